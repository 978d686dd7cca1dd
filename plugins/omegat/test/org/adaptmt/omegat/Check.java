package org.adaptmt.omegat;

import java.util.Objects;

/** Assertions for the plain Java tests. */
final class Check {
    private Check() {
    }

    static void equal(Object expected, Object actual, String what) {
        if (!Objects.equals(expected, actual)) {
            throw new AssertionError(what + ": expected <" + expected + "> but got <" + actual + ">");
        }
    }

    static void isTrue(boolean condition, String what) {
        if (!condition) {
            throw new AssertionError(what);
        }
    }

    /** Runs {@code body} and returns what it threw, failing when it threw nothing or the wrong type. */
    static <T extends Throwable> T raises(Class<T> type, ThrowingRunnable body) {
        try {
            body.run();
        } catch (Throwable thrown) {
            if (type.isInstance(thrown)) {
                return type.cast(thrown);
            }
            throw new AssertionError("expected " + type.getSimpleName() + " but got " + thrown, thrown);
        }
        throw new AssertionError("expected " + type.getSimpleName() + " but nothing was thrown");
    }

    interface ThrowingRunnable {
        void run() throws Exception;
    }
}
