package org.adaptmt.omegat;

import java.nio.file.Path;
import java.nio.file.Paths;
import java.util.logging.Logger;

import org.omegat.util.StaticUtils;

/**
 * What the translator class and the entry listener share: the settings, the HTTP client, the
 * proposals shown and the correction queue. OmegaT creates the translator itself (by class), so
 * this is the one static holder; tests build their own instances instead.
 */
public final class Adaptmt {
    private static final Logger LOG = Logger.getLogger("adaptmt");
    /** How long unloading waits for queued corrections. */
    static final long CLOSE_TIMEOUT_MS = 5000;

    private static Adaptmt current;

    public final Config config;
    public final AdaptmtClient client;
    public final Proposals proposals = new Proposals();
    /** Null when no memory is configured: nothing to add corrections to. */
    public final CorrectionQueue corrections;

    public Adaptmt(Config config) {
        this.config = config;
        this.client = new AdaptmtClient(config);
        String memory = config.writeMemory();
        this.corrections = memory == null ? null : new CorrectionQueue(client, memory, config);
    }

    /** The plugin's instance, configured from OmegaT's config dir on first use. */
    public static synchronized Adaptmt get() {
        if (current == null) {
            current = new Adaptmt(Config.load(configDir()));
            LOG.info("adaptmt: " + current.config);
        }
        return current;
    }

    /** Sends what is queued (for a few seconds at most) and forgets the instance. */
    static synchronized void shutdown() throws InterruptedException {
        if (current != null && current.corrections != null) {
            current.corrections.close(CLOSE_TIMEOUT_MS);
        }
        current = null;
    }

    static Path configDir() {
        String dir = StaticUtils.getConfigDir();
        return dir == null ? null : Paths.get(dir);
    }
}
