package org.adaptmt.omegat;

import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.Map;

public final class JsonTest {
    /** (JSON text, what it decodes to): every kind of value, escapes and non-ASCII text. */
    private static final Object[][] DECODED = {
        {"null", null},
        {" true ", Boolean.TRUE},
        {"false", Boolean.FALSE},
        {"42", 42L},
        {"-7", -7L},
        {"0.5", 0.5},
        {"1e3", 1000.0},
        {"\"a\\\"b\\\\c\\/d\\n\"", "a\"b\\c/d\n"},
        {"\"\\u00e9t\\u00E9 \\ud83d\\ude00\"", "\u00e9t\u00e9 \ud83d\ude00"},
        {"\"<g0>Save</g0> <x1/>\"", "<g0>Save</g0> <x1/>"},
        {"[]", Arrays.asList()},
        {"[1, \"two\", [null]]", Arrays.asList(1L, "two", Arrays.asList((Object) null))},
        {"{}", new LinkedHashMap<>()},
    };

    /** Text that is not JSON. */
    private static final String[] INVALID = {"", "{", "[1,]", "{\"a\" 1}", "\"open", "tru", "1 2", "\"\\x\"", "{1: 2}"};

    public void testDecodesKnownValues() {
        for (Object[] row : DECODED) {
            Check.equal(row[1], Json.parse((String) row[0]), "parse " + row[0]);
        }
    }

    public void testRefusesInvalidText() {
        for (String text : INVALID) {
            Check.raises(Json.ParseException.class, () -> Json.parse(text));
        }
    }

    public void testWriteThenParseGivesTheSameValue() {
        Map<String, Object> value = new LinkedHashMap<>();
        value.put("segments", Arrays.asList("Click <g0>Save</g0>.\n\t\"quoted\" \u00e9 \u0001 \u2028"));
        value.put("n", 3L);
        value.put("ok", Boolean.TRUE);
        value.put("none", null);
        String text = Json.write(value);
        Check.isTrue(!text.contains("\n") && !text.contains("\u2028"), "raw line breaks escaped: " + text);
        Check.equal(value, Json.parse(text), "round trip of " + text);
    }

    public void testWritesObjectsInOrder() {
        Map<String, Object> value = new LinkedHashMap<>();
        value.put("b", 1);
        value.put("a", Arrays.asList("x", 2.5));
        Check.equal("{\"b\":1,\"a\":[\"x\",2.5]}", Json.write(value), "compact JSON");
    }
}
