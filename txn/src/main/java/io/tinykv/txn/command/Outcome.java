package io.tinykv.txn.command;

import io.tinykv.storage.Modify;
import java.util.List;

/**
 * What a command produced: its response, the writes to apply atomically before answering, and
 * what to release once they are applied or have failed (memory locks of a one-phase prewrite).
 */
public record Outcome<R>(R response, List<Modify> writes, Runnable afterWrite) {

    private static final Runnable NOTHING = () -> {};

    public Outcome {
        writes = List.copyOf(writes);
    }

    public Outcome(R response, List<Modify> writes) {
        this(response, writes, NOTHING);
    }

    public static <R> Outcome<R> readOnly(R response) {
        return new Outcome<>(response, List.of());
    }
}
