package io.tinykv.txn.testing;

import java.time.Duration;
import java.util.function.BooleanSupplier;

/** The txn tests' one deadline, and waits bounded by it (testkit's {@link io.tinykv.testkit.wait.Await}). */
public final class Await {

    /** Generous: only a broken implementation comes near it. */
    public static final Duration DEADLINE = Duration.ofSeconds(20);

    private Await() {}

    public static void until(BooleanSupplier condition, String what) {
        io.tinykv.testkit.wait.Await.until(condition, DEADLINE, what);
    }
}
