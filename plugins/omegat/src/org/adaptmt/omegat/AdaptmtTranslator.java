package org.adaptmt.omegat;

import java.util.logging.Level;
import java.util.logging.Logger;

import javax.swing.JCheckBoxMenuItem;
import javax.swing.SwingUtilities;

import org.omegat.core.Core;
import org.omegat.gui.exttrans.IMachineTranslation;
import org.omegat.gui.main.IMainWindow;
import org.omegat.util.Language;

/**
 * The "adaptmt" entry of OmegaT's Machine Translation pane: the active segment, with OmegaT's
 * inline tags ({@code <g0>..</g0>}, {@code <x1/>}) as they are, goes to {@code POST /v1/translate}
 * with the configured memories and glossaries; the suggestion comes back with the tags kept.
 *
 * <p>OmegaT 3.6's interface has {@code getName}, {@code isEnabled}, {@code getTranslation} and
 * {@code getCachedTranslation}; 4.x and later add {@code setEnabled} (and default methods). The
 * methods are declared without {@code @Override} so one class compiles against 3.6 and is complete
 * for 6.x.
 */
public class AdaptmtTranslator implements IMachineTranslation {
    private static final Logger LOG = Logger.getLogger("adaptmt");
    /** OmegaT 5.x/6.x's exception for an MT error the translator should see. */
    static final String MT_ERROR_CLASS = "org.omegat.core.machinetranslators.MachineTranslateError";

    private final Adaptmt adaptmt;
    private volatile Boolean enabled;
    private volatile JCheckBoxMenuItem menuItem;

    /** The instance OmegaT creates: shares the plugin's settings and proposals. */
    public AdaptmtTranslator() {
        this(null);
        addMenuItem();
    }

    AdaptmtTranslator(Adaptmt adaptmt) {
        this.adaptmt = adaptmt;
    }

    private Adaptmt adaptmt() {
        return adaptmt != null ? adaptmt : Adaptmt.get();
    }

    public String getName() {
        return "adaptmt";
    }

    public boolean isEnabled() {
        Boolean state = enabled;
        return state != null ? state : adaptmt().config.enabled;
    }

    /** From the menu item and OmegaT 4+'s preferences; a restart goes back to adaptmt.enabled. */
    public void setEnabled(boolean enabled) {
        this.enabled = enabled;
        JCheckBoxMenuItem item = menuItem;
        if (item != null && item.isSelected() != enabled) {
            SwingUtilities.invokeLater(() -> item.setSelected(enabled));
        }
    }

    /**
     * A switch in Options > Machine Translate, as OmegaT's own engines add (3.6 lists only
     * engines that add one; 4+ also switches engines in its preferences, through setEnabled).
     */
    private void addMenuItem() {
        try {
            IMainWindow window = Core.getMainWindow();
            if (window == null) {
                return; // console mode
            }
            JCheckBoxMenuItem item = new JCheckBoxMenuItem(getName(), isEnabled());
            item.addActionListener(event -> setEnabled(item.isSelected()));
            menuItem = item;
            window.getMainMenu().getMachineTranslationMenu().add(item);
        } catch (RuntimeException | LinkageError ex) {
            LOG.log(Level.WARNING, "adaptmt: no menu item for the machine translator", ex);
        }
    }

    public String getTranslation(Language sLang, Language tLang, String text) throws Exception {
        String source = LanguageTags.of(sLang.getLanguage());
        String target = LanguageTags.of(tLang.getLanguage());
        Adaptmt shared = adaptmt();
        String suggestion;
        try {
            suggestion = shared.client.translate(source, target, text);
        } catch (AdaptmtClient.AdaptmtException ex) {
            throw forOmegat(ex, MT_ERROR_CLASS);
        }
        shared.proposals.put(source, target, text, suggestion);
        return suggestion;
    }

    /**
     * The error as OmegaT 6.x shows it to the translator (in the status bar):
     * {@code MachineTranslateError}, which OmegaT 3.6 lacks, hence reflection; in 3.6 the error
     * itself (OmegaT logs it).
     */
    static Exception forOmegat(AdaptmtClient.AdaptmtException error, String errorClass) {
        Exception shown;
        try {
            shown = (Exception) Class.forName(errorClass).getConstructor(String.class)
                    .newInstance("adaptmt: " + error.getMessage());
        } catch (ReflectiveOperationException | LinkageError | ClassCastException ex) {
            return error; // OmegaT before 5.x: no such class
        }
        try {
            shown.initCause(error);
        } catch (IllegalStateException ex) {
            // the constructor set a cause already
        }
        return shown;
    }

    public String getCachedTranslation(Language sLang, Language tLang, String text) {
        return adaptmt().proposals.get(
                LanguageTags.of(sLang.getLanguage()), LanguageTags.of(tLang.getLanguage()), text);
    }
}
