package io.tinykv.raft.sim;

import com.google.protobuf.InvalidProtocolBufferException;
import io.tinykv.proto.Eraftpb.ConfChange;
import io.tinykv.proto.Eraftpb.ConfState;
import io.tinykv.proto.Eraftpb.Entry;
import io.tinykv.proto.Eraftpb.EntryType;
import io.tinykv.proto.Eraftpb.HardState;
import io.tinykv.proto.Eraftpb.Message;
import io.tinykv.proto.Eraftpb.Snapshot;
import io.tinykv.raft.MemoryStorage;
import io.tinykv.raft.RaftConfig;
import io.tinykv.raft.RawNode;
import io.tinykv.raft.Ready;
import io.tinykv.raft.StateRole;
import java.util.function.Consumer;
import java.util.random.RandomGenerator;

/**
 * One simulated Raft peer: a {@link RawNode}, the {@link MemoryStorage} that plays its disk, and the
 * {@link AppliedState} it applies committed entries to.
 *
 * <p>The disk survives {@link #crash()}; everything else (the RawNode with its unstable entries,
 * the state machine, any Ready not yet handled) is lost, and {@link #restart} rebuilds the state
 * machine from the disk's snapshot and lets Raft hand back the committed entries after it.
 *
 * <p>Handling a Ready is atomic here: a crash happens between Readys, never inside one. A crash in
 * the middle would only lose messages (already covered by message loss) or lose the whole Ready
 * (covered by crashing before handling it).
 */
public final class SimNode {
    private final long id;
    private final RaftConfig configTemplate;
    private final MemoryStorage disk;
    private final RandomSource randomSource;

    private RawNode raft;
    private AppliedState applied;
    private int incarnation;
    // What the last handled Readys said; only meaningful while up.
    private StateRole role = StateRole.FOLLOWER;
    private long leaderId;
    private HardState durableHardState;

    /** Seeds per incarnation so that a restarted node does not replay the same election timeouts. */
    @FunctionalInterface
    public interface RandomSource {
        RandomGenerator forIncarnation(long nodeId, int incarnation);
    }

    public SimNode(RaftConfig configTemplate, MemoryStorage disk, RandomSource randomSource) {
        this.id = configTemplate.id();
        this.configTemplate = configTemplate;
        this.disk = disk;
        this.randomSource = randomSource;
        start();
    }

    private void start() {
        Snapshot snapshot = disk.snapshot();
        applied = AppliedState.fromSnapshot(snapshot);
        durableHardState = disk.initialState().hardState();
        role = StateRole.FOLLOWER;
        leaderId = 0;
        raft = new RawNode(
                withApplied(configTemplate, applied.appliedIndex()),
                disk,
                randomSource.forIncarnation(id, incarnation));
    }

    static RaftConfig withApplied(RaftConfig c, long appliedIndex) {
        return new RaftConfig(
                c.id(),
                c.electionTicks(),
                c.heartbeatTicks(),
                appliedIndex,
                c.maxSizePerMsgBytes(),
                c.maxInflightMsgs(),
                c.maxUncommittedEntriesBytes(),
                c.checkQuorum(),
                c.preVote(),
                c.readOnlyOption(),
                c.commitBroadcast());
    }

    public long id() {
        return id;
    }

    public boolean isUp() {
        return raft != null;
    }

    /** The live RawNode; callers use it for the operations the simulator does not wrap. */
    public RawNode raft() {
        requireUp();
        return raft;
    }

    public MemoryStorage disk() {
        return disk;
    }

    public AppliedState applied() {
        requireUp();
        return applied;
    }

    public RaftConfig config() {
        return configTemplate;
    }

    public StateRole role() {
        return role;
    }

    public long leaderId() {
        return leaderId;
    }

    /** Hard state as last written to disk (what a restart would load). */
    public HardState durableHardState() {
        return durableHardState;
    }

    public int incarnation() {
        return incarnation;
    }

    public void crash() {
        requireUp();
        raft = null;
        applied = null;
        role = StateRole.FOLLOWER;
        leaderId = 0;
    }

    public void restart() {
        if (isUp()) {
            throw new IllegalStateException("node " + id + " is already up");
        }
        incarnation++;
        start();
    }

    public boolean hasReady() {
        return isUp() && raft.hasReady();
    }

    /**
     * Handles one Ready the way a real peer must: send the messages that may leave early; persist
     * snapshot, hard state and entries; then send the other messages; then apply committed entries (conf changes through {@link RawNode#applyConfChange});
     * then advance. Returns the Ready, or null when there was none.
     */
    public Ready handleReady(Consumer<Message> send) {
        if (!hasReady()) {
            return null;
        }
        Ready rd = raft.ready();
        // A leader's appends leave before its own log is written (they promise nothing about it).
        rd.messagesBeforePersist().forEach(send);
        if (rd.snapshot() != null) {
            disk.applySnapshot(rd.snapshot());
            applied = AppliedState.fromSnapshot(rd.snapshot());
        }
        if (rd.hardState() != null) {
            disk.setHardState(rd.hardState());
            durableHardState = rd.hardState();
        }
        if (!rd.entries().isEmpty()) {
            disk.append(rd.entries());
        }
        if (rd.softState() != null) {
            role = rd.softState().role();
            leaderId = rd.softState().leaderId();
        }
        rd.messages().forEach(send);
        boolean confChanged = false;
        for (Entry entry : rd.committedEntries()) {
            applied.apply(entry, applyToRaft(entry));
            confChanged |= entry.getEntryType() == EntryType.EntryConfChange;
        }
        if (confChanged) {
            snapshotAtApplied();
        }
        raft.advance(rd);
        return rd;
    }

    /**
     * Makes the disk's snapshot the state at the applied index. Done after every configuration change
     * so that a node added by that change is in the configuration of any snapshot the leader sends it
     * (Raft ignores a snapshot whose configuration does not contain the receiver). A real peer
     * generates its snapshot from the applied state on demand, to the same effect.
     */
    private boolean snapshotAtApplied() {
        long at = applied.appliedIndex();
        if (at <= disk.snapshot().getMetadata().getIndex()) {
            return false;
        }
        disk.createSnapshot(at, applied.confState(), applied.snapshotData());
        return true;
    }

    private ConfState applyToRaft(Entry entry) {
        if (entry.getEntryType() != EntryType.EntryConfChange) {
            return applied.confState();
        }
        return raft.applyConfChange(confChangeOf(entry));
    }

    public static ConfChange confChangeOf(Entry entry) {
        try {
            return ConfChange.parseFrom(entry.getData());
        } catch (InvalidProtocolBufferException e) {
            throw new SafetyViolation("conf change entry " + entry.getTerm() + "/" + entry.getIndex()
                    + " does not hold a ConfChange: " + e.getMessage());
        }
    }

    /**
     * Log compaction as a real peer does it: snapshot the state machine at the applied index, then drop
     * the log up to {@code applied - keepEntries}. Returns false when there is nothing new to compact.
     */
    public boolean compact(long keepEntries) {
        requireUp();
        snapshotAtApplied();
        long at = applied.appliedIndex();
        long compactTo = Math.max(disk.firstIndex() - 1, at - keepEntries);
        if (compactTo < disk.firstIndex()) {
            return false;
        }
        disk.compact(compactTo);
        return true;
    }

    private void requireUp() {
        if (raft == null) {
            throw new IllegalStateException("node " + id + " is down");
        }
    }

    @Override
    public String toString() {
        return "node " + id + (isUp() ? " " + role + " term " + durableHardState.getTerm() : " (down)");
    }
}
