package io.tinykv.server;

import com.google.protobuf.ByteString;
import io.tinykv.proto.Errorpb;
import io.tinykv.server.config.Config;
import io.tinykv.storage.Cf;
import io.tinykv.storage.RegionException;
import io.tinykv.storage.ResponseBudget;
import java.util.Arrays;
import java.util.LinkedHashSet;
import java.util.List;

/**
 * Checks requests at the API edge, before they touch storage, so that bad input gets a clear
 * error and never harms the store. The policy, per kind of problem:
 *
 * <ul>
 *   <li>Bad input ({@link InvalidRequestException}): an empty transactional key, a key
 *       over {@code limits.max-key-size}, an unknown column family ({@code ""} means default), a
 *       ttl while {@code storage.enable-ttl} is off or one whose expiry overflows ({@link RawValues}),
 *       a RawBatchPut whose {@code ttls} count is neither 0, 1 nor its pair count, a scan limit
 *       over {@code limits.max-scan-limit} (refused, not clamped:
 *       a client paging by limit would take a short page for the end of the range), a delete range
 *       whose start is after its end. It reaches the client as the response's {@code error} string,
 *       or as gRPC status {@code INVALID_ARGUMENT} for responses without one (RawBatchGet, RawScan).</li>
 *   <li>A write whose request is over {@code limits.raft-entry-max-size} gets the region error
 *       {@code raft_entry_too_large}, as TiKV answers; TiKV clients fail such a request at once.</li>
 *   <li>Scan limit 0 returns no pairs (TiKV's semantics: the limit is the maximum number of pairs).</li>
 *   <li>A batch of more than {@code limits.max-batch-keys} keys is bad input; a batch read's duplicate
 *       keys are read and answered once. Raw writes to the {@code lock} and {@code write} column
 *       families are bad input: they would corrupt the transactions' state.</li>
 *   <li>A read whose answer would carry more than {@code limits.max-response-size} bytes of keys
 *       and values is refused with gRPC status {@code RESOURCE_EXHAUSTED} (what TiKV's own
 *       message limit answers), never cut short: a TiKV client takes a short page for the end of
 *       the region.</li>
 *   <li>A missing context is not refused here: the storage answers for the region it names (a store
 *       without that region: {@code region_not_found}).</li>
 * </ul>
 */
public final class RequestValidator {

    private final Config.Limits limits;

    public RequestValidator(Config.Limits limits) {
        this.limits = limits;
    }

    public Cf columnFamily(String name) {
        try {
            return Cf.fromApiName(name);
        } catch (IllegalArgumentException e) {
            throw new InvalidRequestException(e.getMessage());
        }
    }

    /**
     * The column family of a raw write: {@code lock} and {@code write} hold the transactions'
     * locks and commit records, which a raw write would corrupt, so only {@code default} is writable.
     */
    public Cf writableColumnFamily(String name) {
        Cf cf = columnFamily(name);
        if (cf != Cf.DEFAULT) {
            throw new InvalidRequestException("raw writes to column family " + cf.apiName()
                    + " are refused: it holds transaction state (locks and commit records)");
        }
        return cf;
    }

    /**
     * A batch's size: at most {@code limits.max-batch-keys} keys (or pairs, or mutations).
     *
     * @param what what the batch holds, for the message ("keys", "pairs", "mutations")
     */
    public void batchSize(int count, String what) {
        if (count > limits.maxBatchKeys()) {
            throw new InvalidRequestException("the request carries " + count + " " + what
                    + ", more than limits.max-batch-keys (" + limits.maxBatchKeys() + ")");
        }
    }

    /**
     * The keys of a batch read, each within the key size limit, duplicates dropped (first
     * occurrence kept, so the answer keeps the request's order): a key asked for twice is read
     * and answered once, so repeating a key cannot multiply the work or the answer.
     */
    public List<ByteString> distinctRawKeys(List<ByteString> keys) {
        batchSize(keys.size(), "keys");
        keys.forEach(this::rawKey);
        return List.copyOf(new LinkedHashSet<>(keys));
    }

    /** The byte budget of one RawBatchGet, RawScan, KvBatchGet or KvScan answer. */
    public ResponseBudget responseBudget() {
        return new ResponseBudget(limits.maxResponseSizeBytes(), "limits.max-response-size");
    }

    public long maxResponseSizeBytes() {
        return limits.maxResponseSizeBytes();
    }

    /** A key that names one entry: non-empty and within the key size limit. */
    public void key(ByteString key) {
        if (key.isEmpty()) {
            throw new InvalidRequestException("key must not be empty");
        }
        boundKey(key, "key");
    }

    /**
     * A RawKV key: TiKV's API V1 stores the empty key like any other (it sorts first), so only its
     * size is checked. Transactional keys go through {@link #key}: a TiKV client in TXN mode
     * encodes every key (memcomparable), so an empty one there is a malformed request.
     */
    public void rawKey(ByteString key) {
        boundKey(key, "key");
    }

    /** A range bound: may be empty (unbounded), but within the key size limit. */
    public void boundKey(ByteString key, String what) {
        if (key.size() > limits.maxKeySizeBytes()) {
            throw new InvalidRequestException(what + " is " + key.size() + " bytes, larger than limits.max-key-size ("
                    + limits.maxKeySizeBytes() + " bytes)");
        }
    }

    /** A write becomes one log entry (once replicated); refuse it before it grows the log. */
    public void writeSize(long regionId, long requestBytes) {
        if (requestBytes > limits.raftEntryMaxSizeBytes()) {
            throw new RegionException(Errorpb.Error.newBuilder()
                    .setMessage("raft entry is too large: the request is " + requestBytes
                            + " bytes, larger than limits.raft-entry-max-size ("
                            + limits.raftEntryMaxSizeBytes() + " bytes)")
                    .setRaftEntryTooLarge(Errorpb.RaftEntryTooLarge.newBuilder()
                            .setRegionId(regionId)
                            .setEntrySize(requestBytes))
                    .build());
        }
    }

    /**
     * The ttl of each pair of a RawBatchPut, as TiKV reads {@code ttls}: one per pair, or a single
     * one for every pair; none means the deprecated {@code ttl} field (0 when unset) for every pair.
     * Any other count is malformed.
     */
    public long[] batchPutTtls(int pairs, List<Long> ttls, long deprecatedTtl) {
        long[] perPair = new long[pairs];
        if (ttls.isEmpty() || ttls.size() == 1) {
            Arrays.fill(perPair, ttls.isEmpty() ? deprecatedTtl : ttls.get(0));
            return perPair;
        }
        if (ttls.size() != pairs) {
            throw new InvalidRequestException("The length of ttls does not equal to the length of pairs (" + ttls.size()
                    + " ttls for " + pairs + " pairs; give one per pair, or one for all)");
        }
        for (int i = 0; i < pairs; i++) {
            perPair[i] = ttls.get(i);
        }
        return perPair;
    }

    /** The scan limit as a count of pairs; over the configured maximum is an error. */
    public int scanLimit(int limit) {
        long unsigned = Integer.toUnsignedLong(limit);
        if (unsigned > limits.maxScanLimit()) {
            throw new InvalidRequestException(
                    "scan limit " + unsigned + " is larger than limits.max-scan-limit (" + limits.maxScanLimit() + ")");
        }
        return (int) unsigned;
    }

    /** {@code [start, end)} with an empty end meaning "to the end"; start after end is an error. */
    public void deleteRange(ByteString start, ByteString end) {
        boundKey(start, "start_key");
        boundKey(end, "end_key");
        if (!end.isEmpty() && ByteString.unsignedLexicographicalComparator().compare(start, end) > 0) {
            throw new InvalidRequestException("start_key must not be after end_key in a delete range");
        }
    }
}
