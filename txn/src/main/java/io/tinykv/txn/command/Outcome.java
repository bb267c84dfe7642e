package io.tinykv.txn.command;

import io.tinykv.storage.Modify;
import java.util.List;

/** What a command produced: its response, and the writes to apply atomically before answering. */
public record Outcome<R>(R response, List<Modify> writes) {

    public Outcome {
        writes = List.copyOf(writes);
    }

    public static <R> Outcome<R> readOnly(R response) {
        return new Outcome<>(response, List.of());
    }
}
