package io.tinykv.txn.testing;

import java.time.Duration;

/** The txn tests' one deadline, for testkit's {@link io.tinykv.testkit.wait.Await} and for blocking calls. */
public final class TestDeadline {

    /** Generous: only a broken implementation comes near it. */
    public static final Duration DURATION = Duration.ofSeconds(20);

    private TestDeadline() {}
}
