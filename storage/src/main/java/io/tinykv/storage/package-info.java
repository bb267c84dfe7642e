/**
 * The storage layer of a store: two RocksDB databases and the ways to read and write them.
 *
 * <h2>Parts</h2>
 * <ul>
 *   <li>{@link io.tinykv.storage.Engines} opens a store's data directory: the kv engine in
 *       {@code <dir>/kv} (column families {@code default}, {@code lock}, {@code write}; see
 *       {@link io.tinykv.storage.Cf}) and the raft engine in {@code <dir>/raft}. Each is an
 *       {@link io.tinykv.storage.Engine}; a directory is open in one place at a time, and a
 *       directory that cannot be opened (locked, unwritable, corrupt) is a
 *       {@link io.tinykv.storage.StorageException} naming the path and the cause.</li>
 *   <li>{@link io.tinykv.storage.EngineWriteBatch} collects changes to one engine and is written
 *       atomically with an explicit sync flag. The raft engine's writes are always synced; the kv
 *       engine's are synced when it holds the only copy (standalone).</li>
 *   <li>{@link io.tinykv.storage.SnapshotReader} is a consistent view of one engine over a RocksDB
 *       snapshot, with bounded {@link io.tinykv.storage.KvIterator}s that outlive later writes.</li>
 *   <li>{@link io.tinykv.storage.Keys} is the key layout of DESIGN.md §6 (big-endian ids and
 *       indexes), plus the {@code 'z'} prefix that keeps user data apart from the local
 *       metadata in the kv engine; {@link io.tinykv.storage.UserKeyReader} is the user-key view.</li>
 *   <li>{@link io.tinykv.storage.Storage} is what the API layer uses;
 *       {@link io.tinykv.storage.StandaloneStorage} implements it on one store without
 *       replication.</li>
 *   <li>{@link io.tinykv.storage.ProcessHalter} is fail-stop (DESIGN.md §6): a failed write or
 *       sync on a durability path halts the process with one log line, never a retry that is then
 *       trusted. {@link io.tinykv.storage.StorageFaults} (failing writes, syncs and ingestion on
 *       demand) and {@link io.tinykv.storage.HaltRecorder} are test seams to prove it.</li>
 * </ul>
 *
 * <h2>Options</h2>
 * Every RocksDB option is set in {@code RocksDbOptions}, each with the reason for its value
 * (WAL and sync policy, one shared LRU block cache, LZ4 in the middle levels and ZSTD at the
 * bottom, bloom filters where point lookups happen, two background jobs for two cores, paranoid
 * checks and tail-only WAL recovery). The tunable sizes come from
 * {@link io.tinykv.storage.EngineConfig}, which the server's configuration fills.
 *
 * <h2>Native resources</h2>
 * Readers, iterators and write batches own native memory: close them (try-with-resources).
 * Closing an engine waits for calls in flight and releases readers and iterators left open; any
 * later use fails with {@link java.lang.IllegalStateException} rather than crashing the JVM.
 */
package io.tinykv.storage;
