package io.tinykv.bench.workload;

/** One kind of request a benchmark client issues. */
public enum Operation {
    /** Read one existing record. */
    READ,
    /** Overwrite one existing record with a fresh value. */
    UPDATE
}
