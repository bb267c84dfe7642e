/**
 * The TinyKV Java client. It speaks TiKV's kvproto: {@code pdpb.PD} to find regions, stores and
 * timestamps, {@code tikvpb.Tikv} to read and write. One room per job:
 * <ul>
 *   <li>{@code io.tinykv.client.raw}: {@link io.tinykv.client.raw.RawKvClient}, get, batchGet, put,
 *       batchPut, delete, batchDelete, deleteRange, scan and reverseScan over raw keys, with retries on
 *       leader changes, splits and busy or unreachable stores, and of reads a store did not answer in
 *       time;</li>
 *   <li>{@code io.tinykv.client.txn}: {@link io.tinykv.client.txn.TxnKvClient} and
 *       {@link io.tinykv.client.txn.Transaction}, snapshot-isolated transactions (get, batchGet, scan,
 *       put, delete, commit, rollback) with Percolator's two-phase commit, resolving the locks they
 *       meet; a commit is reported committed, definitely not committed
 *       ({@link io.tinykv.client.TxnAbortedException}) or unknown
 *       ({@link io.tinykv.client.CommitUnknownException}), never guessed;</li>
 *   <li>{@code io.tinykv.client.pd}: every call to PD (the scheduler), from clients and from the store
 *       process alike, over one {@link io.tinykv.client.pd.PdConnection} that follows the PD leader
 *       and retries with one backoff policy;</li>
 *   <li>{@code io.tinykv.client.region}: the region cache and the routing of one request to its
 *       region's leader, shared by the raw and the transactional client;</li>
 *   <li>{@code io.tinykv.client.ctl}: {@code tinykv ctl}, the command line.</li>
 * </ul>
 *
 * <p>This package holds what all of them share. Public and meant for applications:
 * {@link io.tinykv.client.ClientConfig} (PD addresses, deadlines and the retry budget),
 * {@link io.tinykv.client.KeyValue}, {@link io.tinykv.client.Clock} (time, replaceable in tests, as
 * {@link io.tinykv.security.ChannelFactory} is the network), and
 * {@link io.tinykv.client.TinyKvException} with its subclasses, what can go wrong (a sealed hierarchy,
 * so all of it lives here). Public only so that the rooms above can share them:
 * {@link io.tinykv.client.Backoff} (one operation's retry budget), {@link io.tinykv.client.BackoffKind}
 * and {@link io.tinykv.client.BackoffSchedule} (how long to wait, and why), {@link io.tinykv.client.ChannelPool}
 * (one gRPC channel per address; the store's relay of forwarded calls keeps its channels in one too), {@link io.tinykv.client.Failures} and {@link io.tinykv.client.Keys}
 * (sentences for failures and keys, key order).
 *
 * <pre>{@code
 * try (RawKvClient kv = RawKvClient.create(ClientConfig.of(List.of("127.0.0.1:2379")))) {
 *   kv.put(ByteString.copyFromUtf8("k"), ByteString.copyFromUtf8("v"));
 *   Optional<ByteString> v = kv.get(ByteString.copyFromUtf8("k"));
 *   List<KeyValue> page = kv.scan(ByteString.EMPTY, ByteString.EMPTY, 100, false);
 * }
 * }</pre>
 */
package io.tinykv.client;
