/**
 * The TinyKV Java client. It speaks TiKV's kvproto: {@code pdpb.PD} to find regions, stores and
 * timestamps, {@code tikvpb.Tikv} to read and write.
 *
 * <p>The public surface:
 * <ul>
 *   <li>{@link io.tinykv.client.RawKvClient}: get, batchGet, put, batchPut, delete, batchDelete,
 *       deleteRange, scan and reverseScan over raw keys, with retries on leader changes, splits and busy
 *       or unreachable stores, and of reads a store did not answer in time;</li>
 *   <li>{@link io.tinykv.client.TxnKvClient} and {@link io.tinykv.client.Transaction}: snapshot-isolated
 *       transactions (get, batchGet, scan, put, delete, commit, rollback) with Percolator's two-phase
 *       commit, resolving the locks they meet; a commit is reported committed, definitely not
 *       committed ({@link io.tinykv.client.TxnAbortedException}) or unknown
 *       ({@link io.tinykv.client.CommitUnknownException}), never guessed;</li>
 *   <li>{@link io.tinykv.client.PdClient}: PD lookups (regions, stores) and timestamps, over a
 *       {@link io.tinykv.client.PdConnection}, which follows the PD leader and retries with a
 *       {@link io.tinykv.client.BackoffSchedule} — the store process's calls to the scheduler use the
 *       same connection;</li>
 *   <li>{@link io.tinykv.client.ClientConfig}: PD addresses, deadlines and the retry budget;</li>
 *   <li>{@link io.tinykv.client.TinyKvException} and its subclasses: what can go wrong;</li>
 *   <li>{@link io.tinykv.client.Clock} and {@link io.tinykv.security.ChannelFactory}: time and network,
 *       replaceable in tests.</li>
 * </ul>
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
