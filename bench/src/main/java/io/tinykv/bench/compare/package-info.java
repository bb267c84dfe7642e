/**
 * Side-by-side measurements that start what they measure: {@link
 * io.tinykv.bench.compare.EtcdComparison} (tinykv next to etcd), {@link
 * io.tinykv.bench.compare.Baseline} (tinykv standalone next to RocksDB in process, the cost of the
 * server, gRPC and client on top of the disk) and {@link io.tinykv.bench.compare.TxnBaseline}
 * (2-key transactions next to RawPut on one server). DESIGN.md §8, performance.
 *
 * <p>{@link io.tinykv.bench.compare.ComparisonRunner} interleaves the systems within each
 * (workload, concurrency) cell so that slow drift falls on all of them alike; {@link
 * io.tinykv.bench.compare.LocalServices} starts the servers inside a {@code ProcessGroup}. Rules: a
 * comparison stops every process it started, also when it fails; all IO outside the JVM goes
 * through {@link io.tinykv.bench.compare.BenchEnvironment}, never directly, so the orchestration is
 * tested with fakes; results are ratios measured in the same run, never numbers from another run.
 */
package io.tinykv.bench.compare;
