package org.adaptmt.omegat;

import java.util.LinkedHashMap;
import java.util.Map;

/**
 * The machine translations shown lately, by language pair and source text: the proposal a
 * confirmed segment started from, and OmegaT's cached suggestion when it asks for one again.
 */
public final class Proposals {
    /** Segments remembered; the least recently used is forgotten first. */
    static final int CAPACITY = 2000;

    private final Map<String, String> byKey = new LinkedHashMap<String, String>(64, 0.75f, true) {
        private static final long serialVersionUID = 1L;

        @Override
        protected boolean removeEldestEntry(Map.Entry<String, String> eldest) {
            return size() > CAPACITY;
        }
    };

    public synchronized void put(String sourceLang, String targetLang, String source, String proposal) {
        byKey.put(key(sourceLang, targetLang, source), proposal);
    }

    /** The proposal last shown for {@code source}, or null. */
    public synchronized String get(String sourceLang, String targetLang, String source) {
        return byKey.get(key(sourceLang, targetLang, source));
    }

    private static String key(String sourceLang, String targetLang, String source) {
        return sourceLang + '\u0000' + targetLang + '\u0000' + source;
    }
}
