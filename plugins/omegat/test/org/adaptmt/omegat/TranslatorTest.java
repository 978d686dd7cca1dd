package org.adaptmt.omegat;

import java.util.LinkedHashMap;
import java.util.Map;

import org.adaptmt.omegat.AdaptmtClient.AdaptmtException;
import org.omegat.util.Language;

/** The machine translator against a running adaptmt whose LLM is the stand-in. */
public final class TranslatorTest {
    private static final Language EN = new Language("EN-US");
    private static final Language FR = new Language("FR-FR");
    /** A segment as OmegaT hands it over: its inline codes shortened to {@code <g0>}, {@code <x1/>}. */
    static final String TAGGED = "Click <g0>Save</g0> to keep<x1/> your changes.";

    public void testSuggestionKeepsOmegatTags() throws Exception {
        String memory = Live.newMemory();
        AdaptmtTranslator translator = new AdaptmtTranslator(new Adaptmt(Live.config("ADAPTMT_MEMORY", memory)));

        String suggestion = translator.getTranslation(EN, FR, TAGGED);

        Check.isTrue(suggestion.startsWith("[standin] "), "translated by the LLM stand-in: " + suggestion);
        Check.equal(TAGGED, suggestion.substring("[standin] ".length()), "every tag kept, in place");
        Check.equal(suggestion, translator.getCachedTranslation(EN, FR, TAGGED), "cached for OmegaT");
        Check.equal(null, translator.getCachedTranslation(EN, FR, "Never asked."), "nothing cached");
    }

    public void testTheConfiguredMemoryIsUsed() throws Exception {
        String memory = Live.newMemory();
        Map<String, Object> unit = new LinkedHashMap<>();
        unit.put("source", TAGGED);
        unit.put("target", "Cliquez sur <g0>Enregistrer</g0> pour garder<x1/> vos modifications.");
        unit.put("source_lang", "en");
        unit.put("target_lang", "fr");
        new AdaptmtClient(Live.config()).call("POST", "/v1/memories/" + memory + "/units", unit);
        AdaptmtTranslator translator = new AdaptmtTranslator(new Adaptmt(Live.config("ADAPTMT_MEMORY", memory)));

        Check.equal(unit.get("target"), translator.getTranslation(EN, FR, TAGGED), "the exact match reused");
    }

    public void testTheConfiguredGlossaryIsSent() throws Exception {
        AdaptmtTranslator translator = new AdaptmtTranslator(
                new Adaptmt(Live.config("ADAPTMT_GLOSSARY", "glo_does_not_exist")));

        AdaptmtException error = Check.raises(AdaptmtException.class, () -> translator.getTranslation(EN, FR, TAGGED));

        Check.equal(404, error.status, "adaptmt refuses an unknown glossary: " + error.getMessage());
        Check.isTrue(!error.isTransient(), "not worth retrying");
    }

    public void testAWrongApiKeyIsReported() throws Exception {
        AdaptmtTranslator translator = new AdaptmtTranslator(
                new Adaptmt(Live.config("ADAPTMT_API_KEY", "amt_wrong")));

        AdaptmtException error = Check.raises(AdaptmtException.class, () -> translator.getTranslation(EN, FR, TAGGED));

        Check.equal(401, error.status, error.getMessage());
        Check.isTrue(error.getMessage().contains("unauthorized"), "the envelope's code shown: " + error.getMessage());
    }

    public void testNameAndEnabledState() {
        AdaptmtTranslator translator = new AdaptmtTranslator(new Adaptmt(Live.config()));
        Check.equal("adaptmt", translator.getName(), "name");
        Check.isTrue(translator.isEnabled(), "enabled by default");
        translator.setEnabled(false);
        Check.isTrue(!translator.isEnabled(), "switched off");
        Check.isTrue(!new AdaptmtTranslator(new Adaptmt(Live.config("ADAPTMT_ENABLED", "false"))).isEnabled(),
                "off by configuration");
    }

    /** Stands for OmegaT 6.x's {@code MachineTranslateError}, which 3.6 (compiled against) lacks. */
    public static final class ShownError extends Exception {
        private static final long serialVersionUID = 1L;

        public ShownError(String message) {
            super(message);
        }
    }

    public void testErrorsBecomeOmegatsMachineTranslateErrorWhereItExists() {
        AdaptmtException error = new AdaptmtException(503, "adaptmt answered 503", null);

        Exception shown = AdaptmtTranslator.forOmegat(error, ShownError.class.getName());
        Exception plain = AdaptmtTranslator.forOmegat(error, AdaptmtTranslator.MT_ERROR_CLASS);

        Check.isTrue(shown instanceof ShownError, "6.x: its own type, shown to the translator");
        Check.equal("adaptmt: adaptmt answered 503", shown.getMessage(), "message");
        Check.equal(error, shown.getCause(), "cause kept");
        Check.equal(error, plain, "3.6 has no MachineTranslateError: the error itself");
    }
}
