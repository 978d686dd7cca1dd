package org.adaptmt.omegat;

import java.util.logging.Level;
import java.util.logging.Logger;

import org.adaptmt.omegat.AdaptmtClient.Correction;
import org.omegat.core.data.SourceTextEntry;
import org.omegat.core.events.IEntryEventListener;

/**
 * Notices the translator leaving a segment (OmegaT activates the next one after saving the
 * translation) and queues that segment's translation as a correction, with the machine proposal
 * shown for it, when the translation changed while the segment was active. Runs on the Swing
 * thread, so it only reads the project and queues: the sending happens in the background.
 */
public final class SegmentWatcher implements IEntryEventListener {
    private static final Logger LOG = Logger.getLogger("adaptmt");

    private final ProjectView project;
    private final Adaptmt adaptmt;
    private SourceTextEntry active;
    private String translationWhenActivated;

    public SegmentWatcher(ProjectView project, Adaptmt adaptmt) {
        this.project = project;
        this.adaptmt = adaptmt;
    }

    public void onNewFile(String activeFileName) {
        // nothing to do: the segment left is reported by the next onEntryActivated
    }

    public void onEntryActivated(SourceTextEntry newEntry) {
        try {
            if (active != null && active != newEntry) {
                left(active);
            }
            if (active != newEntry) {
                active = newEntry;
                translationWhenActivated = newEntry == null ? null : project.translationOf(newEntry);
            }
        } catch (RuntimeException ex) {
            LOG.log(Level.WARNING, "adaptmt: could not queue the segment's correction", ex);
        }
    }

    private void left(SourceTextEntry entry) {
        String translation = project.translationOf(entry);
        if (translation == null || translation.isEmpty() || translation.equals(translationWhenActivated)) {
            return;
        }
        String sourceLang = project.sourceLang();
        String targetLang = project.targetLang();
        if (adaptmt.corrections == null || sourceLang == null || targetLang == null) {
            return;
        }
        String source = entry.getSrcText();
        adaptmt.corrections.submit(new Correction(source, translation, sourceLang, targetLang,
                adaptmt.proposals.get(sourceLang, targetLang, source)));
    }
}
