package io.tinykv.raft.sim;

import com.google.protobuf.ByteString;
import io.tinykv.proto.Eraftpb.ConfState;
import io.tinykv.proto.Eraftpb.Entry;
import io.tinykv.proto.Eraftpb.Snapshot;
import java.nio.ByteBuffer;

/**
 * The replicated state machine of a simulated node. It does not keep the applied data itself: it
 * keeps a running digest over every applied entry, which is enough to tell whether two nodes applied
 * the same history, and small enough to travel inside a snapshot.
 *
 * <p>Also tracks the configuration as of the applied index, because a snapshot taken at that index
 * must carry it.
 */
public final class AppliedState {
    private static final int SNAPSHOT_DATA_BYTES = 2 * Long.BYTES;
    // Odd 64-bit constants from SplitMix64; any good mixer would do, it only has to be deterministic.
    private static final long MIX_1 = 0xbf58476d1ce4e5b9L;
    private static final long MIX_2 = 0x94d049bb133111ebL;

    private long appliedIndex;
    private long digest;
    private ConfState confState;

    private AppliedState(long appliedIndex, long digest, ConfState confState) {
        this.appliedIndex = appliedIndex;
        this.digest = digest;
        this.confState = confState;
    }

    /** The state a snapshot describes; an empty snapshot (fresh node) is the empty state at index 0. */
    public static AppliedState fromSnapshot(Snapshot snapshot) {
        long index = snapshot.getMetadata().getIndex();
        ConfState conf = snapshot.getMetadata().getConfState();
        ByteString data = snapshot.getData();
        if (data.isEmpty()) {
            // Bootstrap snapshots carry no data: nothing has been applied before them.
            return new AppliedState(index, 0, conf);
        }
        if (data.size() != SNAPSHOT_DATA_BYTES) {
            throw new IllegalArgumentException(
                    "snapshot data of " + data.size() + " bytes is not a simulated state machine");
        }
        ByteBuffer buf = data.asReadOnlyByteBuffer();
        long dataIndex = buf.getLong();
        long dataDigest = buf.getLong();
        if (dataIndex != index) {
            throw new IllegalStateException(
                    "snapshot metadata index " + index + " but state machine data at " + dataIndex);
        }
        return new AppliedState(index, dataDigest, conf);
    }

    /** Applies the next committed entry; {@code confAfter} is the configuration after it (unchanged for normal entries). */
    public void apply(Entry entry, ConfState confAfter) {
        if (entry.getIndex() != appliedIndex + 1) {
            throw new SafetyViolation("state machine at index " + appliedIndex + " was handed entry " + entry.getIndex()
                    + " (committed entries must be applied contiguously, exactly once)");
        }
        appliedIndex = entry.getIndex();
        digest = chain(digest, entry);
        confState = confAfter;
    }

    public ByteString snapshotData() {
        ByteBuffer buf = ByteBuffer.allocate(SNAPSHOT_DATA_BYTES);
        buf.putLong(appliedIndex).putLong(digest);
        return ByteString.copyFrom(buf.array());
    }

    public long appliedIndex() {
        return appliedIndex;
    }

    public long digest() {
        return digest;
    }

    public ConfState confState() {
        return confState;
    }

    /** Digest of a history extended by one entry. Public so a checker can recompute it independently. */
    public static long chain(long digest, Entry entry) {
        long h = digest * 31 + entry.getTerm();
        h = h * 31 + entry.getIndex();
        h = h * 31 + entry.getEntryTypeValue();
        h = h * 31 + entry.getData().hashCode();
        return mix(h);
    }

    private static long mix(long z) {
        z = (z ^ (z >>> 30)) * MIX_1;
        z = (z ^ (z >>> 27)) * MIX_2;
        return z ^ (z >>> 31);
    }
}
