package org.adaptmt.omegat;

import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Properties;
import java.util.UUID;

/** The running adaptmt the live tests talk to, and helpers to set up its memories. */
final class Live {
    static String url;
    static String apiKey;

    private Live() {
    }

    /** Settings for the live service: its URL and key, short retries, plus {@code extra}. */
    static Config config(String... extra) {
        Map<String, String> env = new HashMap<>();
        env.put("ADAPTMT_URL", url);
        env.put("ADAPTMT_API_KEY", apiKey);
        env.put("ADAPTMT_RETRY_BASE_MS", "10");
        for (int i = 0; i + 1 < extra.length; i += 2) {
            env.put(extra[i], extra[i + 1]);
        }
        return Config.load(null, env, new Properties());
    }

    /** A new, empty memory; its id. */
    static String newMemory() throws Exception {
        Map<String, Object> body = new LinkedHashMap<>();
        body.put("name", "omegat-test-" + UUID.randomUUID());
        return (String) Json.get(new AdaptmtClient(config()).call("POST", "/v1/memories", body), "id");
    }

    /** GET on the live service, decoded. */
    static Object get(String path) throws Exception {
        return new AdaptmtClient(config()).call("GET", path, null);
    }
}
