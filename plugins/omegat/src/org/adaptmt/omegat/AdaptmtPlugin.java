package org.adaptmt.omegat;

import java.util.logging.Level;
import java.util.logging.Logger;

import org.omegat.core.Core;
import org.omegat.core.CoreEvents;

/**
 * The class named by the jar's {@code OmegaT-Plugins} manifest entry: OmegaT calls
 * {@link #loadPlugins()} at start and {@link #unloadPlugins()} at exit (3.6 and 6.x alike).
 */
public final class AdaptmtPlugin {
    private static final Logger LOG = Logger.getLogger("adaptmt");
    /** Logged (and printed) when OmegaT loads the plugin; the headless start test looks for it. */
    public static final String LOADED = "adaptmt plugin loaded";

    private static SegmentWatcher watcher;

    private AdaptmtPlugin() {
    }

    /** Registers the machine translator and the entry listener that sends confirmed segments. */
    public static synchronized void loadPlugins() {
        Core.registerMachineTranslationClass(AdaptmtTranslator.class);
        watcher = new SegmentWatcher(ProjectView.OMEGAT, Adaptmt.get());
        CoreEvents.registerEntryEventListener(watcher);
        LOG.info(LOADED);
        // Also on stderr, whatever OmegaT's logging setup: the line a headless start is checked by.
        System.err.println(LOADED + " (settings from " + Adaptmt.configDir() + "/" + Config.FILE_NAME
                + " and ADAPTMT_* / -Dadaptmt.*): " + Adaptmt.get().config);
    }

    /** Stops listening and gives queued corrections a few seconds to be sent. */
    public static synchronized void unloadPlugins() {
        if (watcher != null) {
            CoreEvents.unregisterEntryEventListener(watcher);
            watcher = null;
        }
        try {
            Adaptmt.shutdown();
        } catch (InterruptedException ex) {
            Thread.currentThread().interrupt();
        } catch (RuntimeException ex) {
            LOG.log(Level.WARNING, "adaptmt: error while unloading", ex);
        }
    }
}
