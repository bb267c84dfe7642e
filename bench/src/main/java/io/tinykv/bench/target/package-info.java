/**
 * The systems a benchmark can measure, reduced to get and put: {@link
 * io.tinykv.bench.target.BenchTarget}, made from a {@link io.tinykv.bench.target.TargetSpec} (one
 * record per kind) by a {@link io.tinykv.bench.target.TargetFactory}. Kinds: tinykv through our own
 * client ({@link io.tinykv.bench.target.TinyKvTarget}), any TiKV-compatible cluster through the
 * official TiKV Java client ({@link io.tinykv.bench.target.TikvClientTarget}), etcd ({@link
 * io.tinykv.bench.target.EtcdTarget}) and RocksDB in process ({@link
 * io.tinykv.bench.target.RocksDbTarget}, the ceiling of the disk). DESIGN.md §8, performance.
 *
 * <p>Rules: {@code open} once before the first operation, {@code close} once after the last; {@code
 * get} and {@code put} are called by every client thread at once, so a target is thread-safe. Each
 * target's class says what its reads and writes guarantee (linearizable? fsynced?), so that a
 * comparison is like with like or says where it is not.
 */
package io.tinykv.bench.target;
