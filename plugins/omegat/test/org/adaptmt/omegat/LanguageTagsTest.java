package org.adaptmt.omegat;

public final class LanguageTagsTest {
    /** (OmegaT's code, the BCP-47 tag sent to adaptmt). */
    private static final String[][] TAGS = {
        {"EN", "en"},
        {"EN-US", "en-US"},
        {"fr_ca", "fr-CA"},
        {"ZH-HANT-TW", "zh-Hant-TW"},
        {"es-419", "es-419"},
        {" pt-BR ", "pt-BR"},
    };

    public void testOmegatCodesBecomeBcp47Tags() {
        for (String[] row : TAGS) {
            Check.equal(row[1], LanguageTags.of(row[0]), "tag of " + row[0]);
        }
    }
}
