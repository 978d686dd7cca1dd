package org.adaptmt.omegat;

import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.Collections;
import java.util.HashMap;
import java.util.Map;
import java.util.Properties;

public final class ConfigTest {
    private static Config load(String file, Map<String, String> env, Properties system) throws Exception {
        Path dir = Files.createTempDirectory("adaptmt-config");
        Files.write(dir.resolve(Config.FILE_NAME), file.getBytes(StandardCharsets.UTF_8));
        return Config.load(dir.resolve(Config.FILE_NAME), env, system);
    }

    public void testDefaultsWithoutAnySetting() {
        Config config = Config.load(null, Collections.<String, String>emptyMap(), new Properties());
        Check.equal("http://127.0.0.1:8080", config.url, "url");
        Check.equal("", config.apiKey, "api key");
        Check.equal(Collections.emptyList(), config.memories, "memories");
        Check.equal(null, config.writeMemory(), "write memory");
        Check.equal(Config.DEFAULT_MAX_ATTEMPTS, config.maxAttempts, "attempts");
        Check.isTrue(config.enabled, "enabled by default");
    }

    public void testFileThenEnvironmentThenSystemProperties() throws Exception {
        String file = "adaptmt.url=http://file:1/\nadaptmt.memory=mem_file\nadaptmt.glossary=glo_a, glo_b\n"
                + "adaptmt.api_key=key_file\nadaptmt.queue_capacity=7\n";
        Map<String, String> env = new HashMap<>();
        env.put("ADAPTMT_MEMORY", "mem_env, mem_two");
        env.put("ADAPTMT_API_KEY", "key_env");
        Properties system = new Properties();
        system.setProperty("adaptmt.api_key", "key_system");

        Config config = load(file, env, system);

        Check.equal("http://file:1", config.url, "url from the file, trailing slash dropped");
        Check.equal(Arrays.asList("glo_a", "glo_b"), config.glossaries, "glossaries from the file");
        Check.equal(Arrays.asList("mem_env", "mem_two"), config.memories, "the environment beats the file");
        Check.equal("mem_env", config.writeMemory(), "corrections go to the first memory");
        Check.equal("key_system", config.apiKey, "a system property beats the environment");
        Check.equal(7, config.queueCapacity, "queue capacity");
    }

    public void testANonNumberIsRefusedWithTheSettingsName() throws Exception {
        IllegalArgumentException error = Check.raises(IllegalArgumentException.class,
                () -> load("adaptmt.timeout_s=soon\n", Collections.<String, String>emptyMap(), new Properties()));
        Check.isTrue(error.getMessage().contains("adaptmt.timeout_s"), error.getMessage());
    }
}
