package org.adaptmt.omegat;

import java.util.Collections;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

import org.omegat.core.data.EntryKey;
import org.omegat.core.data.ProtectedPart;
import org.omegat.core.data.SourceTextEntry;
import org.omegat.util.Language;

/** The entry listener with OmegaT's own entry objects, sending to a running adaptmt. */
public final class SegmentWatcherTest {
    private static final long FLUSH_MS = 20_000;

    /** A project of two languages whose translations the test sets, as the editor would. */
    private static final class Project implements ProjectView {
        final Map<SourceTextEntry, String> translations = new HashMap<>();

        public String translationOf(SourceTextEntry entry) {
            return translations.get(entry);
        }

        public String sourceLang() {
            return "en-US";
        }

        public String targetLang() {
            return "fr-FR";
        }
    }

    private static SourceTextEntry entry(int number, String source) {
        return new SourceTextEntry(new EntryKey("leaflet.txt", source, null, "", "", null), number, null, null,
                Collections.<ProtectedPart>emptyList());
    }

    private static List<?> matches(String memory, String source) throws Exception {
        return (List<?>) Json.get(Live.get("/v1/memories/" + memory + "/matches?source_lang=en&target_lang=fr"
                + "&min_score=100&source=" + AdaptmtClient.encode(source)), "matches");
    }

    public void testALeftSegmentArrivesInTheMemoryWithItsProposal() throws Exception {
        String memory = Live.newMemory();
        Adaptmt adaptmt = new Adaptmt(Live.config("ADAPTMT_MEMORY", memory));
        Project project = new Project();
        SegmentWatcher watcher = new SegmentWatcher(project, adaptmt);
        SourceTextEntry first = entry(1, TranslatorTest.TAGGED);
        SourceTextEntry second = entry(2, "Close the window.");
        String corrected = "Cliquez sur <g0>Enregistrer</g0> pour conserver<x1/> vos modifications.";

        watcher.onEntryActivated(first);
        String proposal = new AdaptmtTranslator(adaptmt)
                .getTranslation(new Language("EN-US"), new Language("FR-FR"), TranslatorTest.TAGGED);
        project.translations.put(first, corrected);
        watcher.onEntryActivated(second);
        Check.isTrue(adaptmt.corrections.flush(FLUSH_MS), "sent in the background");

        List<?> found = matches(memory, TranslatorTest.TAGGED);
        Check.equal(1, found.size(), "one unit for the segment");
        Check.equal(corrected, Json.get(found.get(0), "target"), "the translator's text, tags kept");
        Object stats = Live.get("/v1/memories/" + memory + "/stats");
        Check.equal(1L, Json.get(stats, "edits"), "the edit of the proposal recorded");
        Check.isTrue(((Number) Json.get(stats, "mean_distance")).doubleValue() > 0,
                "the proposal differed from the final text: " + proposal);
    }

    public void testOnlyChangedTranslationsAreSent() throws Exception {
        String memory = Live.newMemory();
        Adaptmt adaptmt = new Adaptmt(Live.config("ADAPTMT_MEMORY", memory));
        Project project = new Project();
        SegmentWatcher watcher = new SegmentWatcher(project, adaptmt);
        SourceTextEntry done = entry(1, "Already translated.");
        SourceTextEntry empty = entry(2, "Left untranslated.");
        SourceTextEntry last = entry(3, "Last one.");
        project.translations.put(done, "D\u00e9j\u00e0 traduit.");

        watcher.onEntryActivated(done);
        watcher.onEntryActivated(empty);
        watcher.onEntryActivated(empty);
        watcher.onEntryActivated(last);
        watcher.onEntryActivated(null);
        Check.isTrue(adaptmt.corrections.flush(FLUSH_MS), "flushed");

        Check.equal(0, adaptmt.corrections.sentCount(), "passing through sends nothing");
        Check.equal(0L, Json.get(Live.get("/v1/memories/" + memory), "unit_count"), "the memory is still empty");
    }

    public void testNoMemoryConfiguredMeansNoCorrections() {
        Adaptmt adaptmt = new Adaptmt(Live.config());
        Project project = new Project();
        SegmentWatcher watcher = new SegmentWatcher(project, adaptmt);
        SourceTextEntry first = entry(1, "Hello.");
        watcher.onEntryActivated(first);
        project.translations.put(first, "Bonjour.");
        watcher.onEntryActivated(entry(2, "Bye."));
        Check.equal(null, adaptmt.corrections, "no queue without a memory");
    }
}
