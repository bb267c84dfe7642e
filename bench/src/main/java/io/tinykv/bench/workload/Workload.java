package io.tinykv.bench.workload;

import java.util.Locale;
import java.util.random.RandomGenerator;

/**
 * A YCSB-style core workload over records inserted by the load phase: each operation reads a record
 * with probability {@code readProportion} and otherwise updates (overwrites) one.
 *
 * @param name the letter the command line uses
 * @param readProportion the fraction of operations that are reads, in [0, 1]
 */
public record Workload(String name, double readProportion) {

    /** YCSB A, "update heavy": 50% reads, 50% updates. */
    public static final Workload A = new Workload("A", 0.5);
    /** YCSB B, "read mostly": 95% reads, 5% updates. */
    public static final Workload B = new Workload("B", 0.95);
    /** YCSB C, "read only". */
    public static final Workload C = new Workload("C", 1.0);
    /** Write only: every operation is an update (the shape of a RawPut benchmark). */
    public static final Workload W = new Workload("W", 0.0);

    public Workload {
        if (name == null || name.isBlank()) {
            throw new IllegalArgumentException("workload name must not be blank");
        }
        if (!(readProportion >= 0.0 && readProportion <= 1.0)) {
            throw new IllegalArgumentException("read proportion must be within [0, 1], got " + readProportion);
        }
    }

    /** The workload with the given letter (case-insensitive). */
    public static Workload named(String name) {
        return switch (name.trim().toUpperCase(Locale.ROOT)) {
            case "A" -> A;
            case "B" -> B;
            case "C" -> C;
            case "W" -> W;
            default ->
                throw new IllegalArgumentException("unknown workload '" + name + "'; expected one of A, B, C, W");
        };
    }

    /** Draws the next operation. */
    public Operation nextOperation(RandomGenerator random) {
        // Compare against the proportion so that 0.0 never reads and 1.0 always reads.
        return random.nextDouble() < readProportion ? Operation.READ : Operation.UPDATE;
    }

    /** A human description such as "50% read / 50% update". */
    public String mix() {
        long readPercent = Math.round(readProportion * 100);
        return readPercent + "% read / " + (100 - readPercent) + "% update";
    }
}
