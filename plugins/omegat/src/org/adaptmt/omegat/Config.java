package org.adaptmt.omegat;

import java.io.IOException;
import java.io.InputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.Map;
import java.util.Properties;

/**
 * The plugin's settings. Each one is read, weakest first, from the defaults below,
 * {@code adaptmt.properties} in OmegaT's config dir, an environment variable, then a Java system
 * property (the most explicit wins): {@code adaptmt.url} / {@code ADAPTMT_URL}, and so on.
 */
public final class Config {
    /** The properties file the plugin reads from OmegaT's config dir. */
    public static final String FILE_NAME = "adaptmt.properties";

    static final String DEFAULT_URL = "http://127.0.0.1:8080";
    static final int DEFAULT_TIMEOUT_S = 30;
    /** Corrections waiting to be sent; more are dropped (and logged) rather than block. */
    static final int DEFAULT_QUEUE_CAPACITY = 1000;
    /** Tries per correction, the first included, before it is given up (and logged). */
    static final int DEFAULT_MAX_ATTEMPTS = 6;
    /** The first retry waits this long; each next one twice as long, up to the maximum. */
    static final long DEFAULT_RETRY_BASE_MS = 1000;
    static final long DEFAULT_RETRY_MAX_MS = 60_000;

    public final String url;
    public final String apiKey;
    /** Memory ids to match against; corrections go to the first one. */
    public final List<String> memories;
    public final List<String> glossaries;
    public final int timeoutSeconds;
    public final int queueCapacity;
    public final int maxAttempts;
    public final long retryBaseMillis;
    public final long retryMaxMillis;
    /** Whether suggestions are on when OmegaT starts. */
    public final boolean enabled;

    private Config(Layers layers) {
        url = stripSlash(layers.get("url", DEFAULT_URL));
        apiKey = layers.get("api_key", "");
        memories = list(layers.get("memory", ""));
        glossaries = list(layers.get("glossary", ""));
        timeoutSeconds = (int) layers.number("timeout_s", DEFAULT_TIMEOUT_S);
        queueCapacity = (int) layers.number("queue_capacity", DEFAULT_QUEUE_CAPACITY);
        maxAttempts = (int) layers.number("max_attempts", DEFAULT_MAX_ATTEMPTS);
        retryBaseMillis = layers.number("retry_base_ms", DEFAULT_RETRY_BASE_MS);
        retryMaxMillis = layers.number("retry_max_ms", DEFAULT_RETRY_MAX_MS);
        enabled = Boolean.parseBoolean(layers.get("enabled", "true"));
    }

    /** Settings from the three layers given (a missing file is an empty layer). */
    public static Config load(Path file, Map<String, String> env, Properties system) {
        Properties fromFile = new Properties();
        if (file != null && Files.isRegularFile(file)) {
            try (InputStream in = Files.newInputStream(file)) {
                fromFile.load(in);
            } catch (IOException ex) {
                throw new IllegalStateException("cannot read " + file + ": " + ex.getMessage(), ex);
            }
        }
        return new Config(new Layers(fromFile, env, system));
    }

    /** Settings from {@code adaptmt.properties} in {@code configDir}, the environment and system properties. */
    public static Config load(Path configDir) {
        Path file = configDir == null ? null : configDir.resolve(FILE_NAME);
        return load(file, System.getenv(), System.getProperties());
    }

    /** The first memory, which corrections are added to, or null when none is configured. */
    public String writeMemory() {
        return memories.isEmpty() ? null : memories.get(0);
    }

    @Override
    public String toString() {
        return "url=" + url + " memories=" + memories + " glossaries=" + glossaries
                + (apiKey.isEmpty() ? " (no API key)" : " (API key set)");
    }

    private static String stripSlash(String url) {
        String trimmed = url.trim();
        return trimmed.endsWith("/") ? trimmed.substring(0, trimmed.length() - 1) : trimmed;
    }

    private static List<String> list(String value) {
        List<String> items = new ArrayList<>();
        for (String item : value.split(",")) {
            if (!item.trim().isEmpty()) {
                items.add(item.trim());
            }
        }
        return Collections.unmodifiableList(items);
    }

    /** One setting's value from the strongest layer that has it. */
    private static final class Layers {
        private final Properties file;
        private final Map<String, String> env;
        private final Properties system;

        Layers(Properties file, Map<String, String> env, Properties system) {
            this.file = file;
            this.env = env;
            this.system = system;
        }

        String get(String name, String fallback) {
            String property = "adaptmt." + name;
            String value = system.getProperty(property);
            if (value == null) {
                value = env.get("ADAPTMT_" + name.toUpperCase(java.util.Locale.ROOT));
            }
            if (value == null) {
                value = file.getProperty(property);
            }
            return value == null ? fallback : value.trim();
        }

        long number(String name, long fallback) {
            String value = get(name, null);
            if (value == null || value.isEmpty()) {
                return fallback;
            }
            try {
                long number = Long.parseLong(value);
                if (number < 0) {
                    throw new NumberFormatException();
                }
                return number;
            } catch (NumberFormatException ex) {
                throw new IllegalArgumentException(
                        "adaptmt." + name + " must be a whole number >= 0, not '" + value + "'");
            }
        }
    }
}
