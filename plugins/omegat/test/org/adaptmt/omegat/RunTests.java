package org.adaptmt.omegat;

import java.lang.reflect.InvocationTargetException;
import java.lang.reflect.Method;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Comparator;
import java.util.List;
import java.util.logging.Level;
import java.util.logging.Logger;

/**
 * A small runner instead of JUnit (nothing to download): every public {@code test*} method of the
 * classes below, each on a fresh instance; prints one line per test and exits 1 on any failure.
 *
 * <pre>java -cp OmegaT.jar:classes:test-classes org.adaptmt.omegat.RunTests URL [API_KEY]</pre>
 *
 * URL is a running adaptmt (with the LLM stand-in) that the live tests create memories on.
 */
public final class RunTests {
    private static final List<Class<?>> CLASSES = Arrays.asList(
            JsonTest.class, ConfigTest.class, LanguageTagsTest.class, CorrectionQueueTest.class,
            TranslatorTest.class, SegmentWatcherTest.class);

    private RunTests() {
    }

    public static void main(String[] args) throws Exception {
        if (args.length < 1) {
            System.err.println("usage: RunTests ADAPTMT_URL [API_KEY]");
            System.exit(2);
        }
        // The retries and drops the tests provoke are logged on purpose; keep the output to results.
        Logger.getLogger("adaptmt").setLevel(Boolean.getBoolean("adaptmt.test.verbose") ? Level.ALL : Level.OFF);
        Live.url = args[0];
        Live.apiKey = args.length > 1 ? args[1] : "";
        List<String> failures = new ArrayList<>();
        int passed = 0;
        for (Class<?> type : CLASSES) {
            Method[] methods = type.getDeclaredMethods();
            Arrays.sort(methods, Comparator.comparing(Method::getName));
            for (Method method : methods) {
                if (!method.getName().startsWith("test") || method.getParameterCount() != 0) {
                    continue;
                }
                String name = type.getSimpleName() + "." + method.getName();
                try {
                    method.invoke(type.getDeclaredConstructor().newInstance());
                    passed++;
                    System.out.println("PASS " + name);
                } catch (InvocationTargetException ex) {
                    failures.add(name);
                    System.out.println("FAIL " + name);
                    ex.getCause().printStackTrace(System.out);
                }
            }
        }
        System.out.println(passed + " passed, " + failures.size() + " failed" + (failures.isEmpty() ? "" : ": " + failures));
        System.exit(failures.isEmpty() ? 0 : 1);
    }
}
