/**
 * One store of the replicated cluster, {@code tinykv server} (DESIGN.md §2; the store-side parts of
 * §4–§6): {@link io.tinykv.server.store.StoreServer} assembles the engines, the raftstore on its Raft
 * thread, the transport to other stores, the connection to the scheduler, the gRPC services and
 * metrics; {@link io.tinykv.server.store.ServerCommand} is the command, {@link
 * io.tinykv.server.store.StoreServerConfig} (by {@link io.tinykv.server.store.StoreConfigLoader}) its
 * settings. Also here, the store's side of the scheduler: its calls go through the client library's
 * {@link io.tinykv.client.pd.StorePdClient} (ids, bootstrap, registration, store lookups, safe points,
 * timestamps), {@link io.tinykv.server.store.HeartbeatSender} (heartbeats out, operators back) and the bootstrap
 * of a new store and cluster ({@code StoreBootstrap}).
 *
 * <p>Rules: start-up goes data dir lock, engines, gRPC port (bound early, answering NOT_SERVING),
 * scheduler, store identity and cluster bootstrap, registration, Raft, then SERVING; {@code close}
 * undoes it in reverse, letting calls in flight finish within the grace period before the engines
 * close. Nothing here makes the Raft thread wait on the network: heartbeats go through a bounded
 * queue to the sender's own thread (oldest dropped when full), and split ids and timestamps are
 * asked for asynchronously. Client reads run on the bounded read pool ({@code ReadPool}), beyond which they get
 * {@code server_is_busy}. The store-to-store service accepts streams of this cluster only and, under
 * TLS, store certificates only.
 */
package io.tinykv.server.store;
