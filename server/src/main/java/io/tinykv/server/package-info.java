/**
 * The processes' front door (DESIGN.md §2, and step 1 of §4's write path): the {@code tinykv}
 * command ({@link io.tinykv.server.Main}, one subcommand class per mode), and the client-facing
 * {@code tikvpb.Tikv} service of a store — {@link io.tinykv.server.TikvService} for RawKV, {@link
 * io.tinykv.server.TxnHandler} for the transactional calls, both checking every request first with
 * {@link io.tinykv.server.RequestValidator}. Beside them, what every serving process shares: the data
 * dir lock ({@link io.tinykv.server.DataDirLock}), the on-disk format check, the wrappers the store's
 * {@code Storage} is served through, request metrics, status routes, call forwarding and the life
 * of a serving command ({@link io.tinykv.server.ServeUntilSignal}). The store process itself is
 * assembled in {@code server.store}, the standalone in {@code server.standalone}.
 *
 * <p>Rules: bad input gets a clear error at this edge (§7) — {@code INVALID_ARGUMENT} or a region
 * error inside the response, as TiKV clients expect — and never reaches storage or crashes the store.
 * gRPC handler threads never wait for Raft: calls complete from futures, and engine reads continue on
 * the store's read pool. The storage under {@code TikvService} is wrapped in this order: {@link
 * io.tinykv.server.GuardedStorage} (never closes the engine under a request), {@link
 * io.tinykv.server.ApiVersionGate}, the store's counters, the raftstore's {@code RaftStorage}. The
 * data dir lock is taken before anything else in the directory is touched. No main code of another
 * module depends on {@code server} (§3); only the process tests do.
 */
package io.tinykv.server;
