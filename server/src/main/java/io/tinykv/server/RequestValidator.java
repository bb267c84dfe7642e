package io.tinykv.server;

import com.google.protobuf.ByteString;
import io.tinykv.proto.Errorpb;
import io.tinykv.server.config.Config;
import io.tinykv.storage.Cf;
import io.tinykv.storage.RegionException;
import java.util.Arrays;
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
 *   <li>A missing context is accepted: standalone mode knows where every key lives.</li>
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
            throw new InvalidRequestException(what + " is " + key.size()
                    + " bytes, larger than limits.max-key-size (" + limits.maxKeySizeBytes() + " bytes)");
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
            throw new InvalidRequestException("The length of ttls does not equal to the length of pairs ("
                    + ttls.size() + " ttls for " + pairs + " pairs; give one per pair, or one for all)");
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
            throw new InvalidRequestException("scan limit " + unsigned
                    + " is larger than limits.max-scan-limit (" + limits.maxScanLimit() + ")");
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
