package org.adaptmt.omegat;

import java.util.Locale;

/** OmegaT's language codes ({@code EN-US}, {@code pt_br}, {@code zh-hant-tw}) as BCP-47 tags. */
public final class LanguageTags {
    private LanguageTags() {
    }

    /** {@code EN-US} becomes {@code en-US}, {@code ZH-HANT-TW} {@code zh-Hant-TW}. */
    public static String of(String omegatCode) {
        String[] parts = omegatCode.trim().split("[-_]");
        StringBuilder tag = new StringBuilder(parts[0].toLowerCase(Locale.ROOT));
        for (int i = 1; i < parts.length; i++) {
            String part = parts[i];
            tag.append('-');
            if (part.length() == 2 || (part.length() == 3 && Character.isDigit(part.charAt(0)))) {
                tag.append(part.toUpperCase(Locale.ROOT)); // region
            } else if (part.length() == 4) {
                tag.append(part.substring(0, 1).toUpperCase(Locale.ROOT))
                        .append(part.substring(1).toLowerCase(Locale.ROOT)); // script
            } else {
                tag.append(part.toLowerCase(Locale.ROOT));
            }
        }
        return tag.toString();
    }
}
