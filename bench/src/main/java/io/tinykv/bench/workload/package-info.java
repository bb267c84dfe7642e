/**
 * What a benchmark client does next: a YCSB-style {@link io.tinykv.bench.workload.Workload} (the
 * read/update mix), the {@link io.tinykv.bench.workload.KeyChooser} that picks the record (uniform,
 * {@link io.tinykv.bench.workload.ZipfianGenerator} or its scrambled form), and the {@link
 * io.tinykv.bench.workload.RecordKeys} that turns a record index into a fixed-size key. DESIGN.md §8,
 * performance.
 *
 * <p>Rules: everything here is immutable and shared by all client threads; randomness is never held
 * here — each client passes its own random source, seeded from the run's seed, so a run's choice of
 * keys is reproducible.
 */
package io.tinykv.bench.workload;
