package io.tinykv.bench.compare;

import io.tinykv.bench.target.TargetSpec;

/** One column of a comparison: a name for the tables and where the system is. */
public record SystemUnderTest(String name, TargetSpec target) {}
