package io.tinykv.raft.sim;

import com.google.protobuf.ByteString;
import io.tinykv.proto.Eraftpb.Entry;
import io.tinykv.proto.Eraftpb.HardState;
import io.tinykv.proto.Eraftpb.Snapshot;
import io.tinykv.raft.MemoryStorage;
import io.tinykv.raft.ReadState;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

/**
 * Checks Raft's safety properties (Raft paper, figure 3) over everything the simulated nodes make
 * durable or apply. It sees each node only through what the node wrote to its disk and applied, so
 * every check is about externally visible behaviour. All checks are incremental: each costs time in
 * proportion to what changed, which lets the simulator check after every step.
 */
public final class SafetyChecker {
    private record IndexTerm(long index, long term) {}

    /** An entry as first seen durable somewhere, with the term of its predecessor (-1: unknown, compacted). */
    private record LoggedEntry(Entry entry, long prevTerm, long firstSeenOn) {}

    private final Map<Long, Long> leaderByTerm = new HashMap<>();
    private final Map<IndexTerm, LoggedEntry> logged = new HashMap<>();
    private final Map<Long, Entry> committed = new HashMap<>();
    /** Per committed index, the lowest term in which some node made a commit index covering it durable. */
    private final Map<Long, Long> commitTermByIndex = new HashMap<>();

    private final Map<Long, Long> digestByIndex = new HashMap<>();
    private final Map<ByteString, Long> readLowerBounds = new HashMap<>();
    private long maxCommitIndex;

    public SafetyChecker(long bootstrapIndex) {
        // Nothing is applied before the bootstrap snapshot: every state machine starts there with digest 0.
        digestByIndex.put(bootstrapIndex, 0L);
        maxCommitIndex = bootstrapIndex;
    }

    public long maxCommitIndex() {
        return maxCommitIndex;
    }

    /** The committed entry at {@code index}, or null if no node's commit covered it with the entry in its log. */
    public Entry committedEntry(long index) {
        return committed.get(index);
    }

    /** Election Safety: at most one leader can be elected in a given term. */
    public void checkElectionSafety(long nodeId, long term) {
        Long previous = leaderByTerm.putIfAbsent(term, nodeId);
        if (previous != null && previous != nodeId) {
            throw new SafetyViolation(
                    "election safety: nodes " + previous + " and " + nodeId + " both led term " + term);
        }
    }

    /**
     * Log Matching: if two logs contain an entry with the same index and term, the logs are identical in
     * all entries up through that index. Checked by induction: each (index, term) always names the same
     * entry and the same predecessor term, wherever it is stored.
     */
    public void checkLogMatching(long nodeId, MemoryStorage disk, List<Entry> appended) {
        for (Entry entry : appended) {
            long prevTerm = termOrUnknown(disk, entry.getIndex() - 1);
            IndexTerm key = new IndexTerm(entry.getIndex(), entry.getTerm());
            LoggedEntry seen = logged.get(key);
            if (seen == null) {
                logged.put(key, new LoggedEntry(entry, prevTerm, nodeId));
                continue;
            }
            if (!seen.entry().equals(entry)) {
                throw new SafetyViolation("log matching: entry " + key + " on node " + nodeId + " is " + describe(entry)
                        + " but node " + seen.firstSeenOn() + " stored " + describe(seen.entry()));
            }
            if (prevTerm >= 0 && seen.prevTerm() >= 0 && prevTerm != seen.prevTerm()) {
                throw new SafetyViolation("log matching: entry " + key + " follows term " + prevTerm + " on node "
                        + nodeId + " but term " + seen.prevTerm() + " on node " + seen.firstSeenOn());
            }
            if (seen.prevTerm() < 0 && prevTerm >= 0) {
                logged.put(key, new LoggedEntry(seen.entry(), prevTerm, nodeId));
            }
        }
    }

    /**
     * Records what a node's durable commit index newly covers and checks it never contradicts what was
     * committed before: a committed entry is never replaced, including across crashes and restarts.
     * {@code nodeTerm} is the node's term when it made that commit index durable: the entry was
     * committed in that term or earlier, which bounds which later leaders must hold it.
     */
    public void checkCommitted(long nodeId, long nodeTerm, MemoryStorage disk, long oldCommit, long newCommit) {
        if (newCommit < oldCommit) {
            throw new SafetyViolation(
                    "durability: node " + nodeId + " commit index went back from " + oldCommit + " to " + newCommit);
        }
        long from = Math.max(oldCommit + 1, disk.firstIndex());
        if (newCommit > disk.lastIndex()) {
            throw new SafetyViolation("node " + nodeId + " persisted commit index " + newCommit
                    + " beyond its durable log (last index " + disk.lastIndex() + ")");
        }
        if (from <= newCommit) {
            List<Entry> entries = disk.entries(from, newCommit + 1, Long.MAX_VALUE);
            for (Entry entry : entries) {
                recordCommitted(nodeId, nodeTerm, entry);
            }
        }
        maxCommitIndex = Math.max(maxCommitIndex, newCommit);
    }

    private void recordCommitted(long nodeId, long nodeTerm, Entry entry) {
        Entry previous = committed.putIfAbsent(entry.getIndex(), entry);
        if (previous != null && !previous.equals(entry)) {
            throw new SafetyViolation("committed entry lost: index " + entry.getIndex() + " was committed as "
                    + describe(previous) + " but node " + nodeId + " commits " + describe(entry));
        }
        commitTermByIndex.merge(entry.getIndex(), nodeTerm, Math::min);
    }

    /**
     * Leader Completeness: if an entry is committed in a term, it is in the log of every leader of a
     * higher term. Checked on the new leader's durable log (after its snapshot, which covers a committed
     * prefix). A leader of a lower term may legitimately lack it: a delayed vote can still elect one.
     */
    public void checkLeaderCompleteness(long leaderId, long leaderTerm, MemoryStorage disk) {
        for (long index = disk.firstIndex(); index <= maxCommitIndex; index++) {
            Entry want = committed.get(index);
            Long commitTerm = commitTermByIndex.get(index);
            if (want == null || commitTerm == null || commitTerm >= leaderTerm) {
                continue;
            }
            if (index > disk.lastIndex()) {
                throw new SafetyViolation(
                        "leader completeness: leader " + leaderId + " of term " + leaderTerm + " has log up to "
                                + disk.lastIndex() + " but index " + index + " was committed by term " + commitTerm);
            }
            if (disk.term(index) != want.getTerm()) {
                throw new SafetyViolation(
                        "leader completeness: leader " + leaderId + " of term " + leaderTerm + " has term "
                                + disk.term(index) + " at index " + index + " where " + describe(want)
                                + " was committed by term "
                                + commitTerm);
            }
        }
    }

    /**
     * State Machine Safety: a node applies only committed entries, and no two nodes apply different
     * entries at one index (the digest compares whole applied histories, also across snapshots).
     */
    public void checkApplied(long nodeId, List<Entry> appliedEntries, AppliedState state) {
        for (Entry entry : appliedEntries) {
            Entry want = committed.get(entry.getIndex());
            if (want == null) {
                // The applying node's own commit index must have covered it (checked just before applying).
                throw new SafetyViolation("state machine safety: node " + nodeId + " applied " + describe(entry)
                        + " which no durable commit index covers");
            }
            if (!want.equals(entry)) {
                throw new SafetyViolation("state machine safety: node " + nodeId + " applied " + describe(entry)
                        + " at index " + entry.getIndex() + " where " + describe(want) + " is committed");
            }
        }
        checkDigest(nodeId, state.appliedIndex(), state.digest(), "after applying");
    }

    /** A snapshot installed on a node must describe the same history every node applied up to its index. */
    public void checkSnapshot(long nodeId, Snapshot snapshot) {
        AppliedState state = AppliedState.fromSnapshot(snapshot);
        checkDigest(nodeId, state.appliedIndex(), state.digest(), "installing snapshot");
        if (state.appliedIndex() > maxCommitIndex) {
            throw new SafetyViolation("node " + nodeId + " installed a snapshot at " + state.appliedIndex()
                    + " beyond every commit index (" + maxCommitIndex + ")");
        }
    }

    private void checkDigest(long nodeId, long index, long digest, String when) {
        Long previous = digestByIndex.putIfAbsent(index, digest);
        if (previous != null && previous != digest) {
            throw new SafetyViolation("state machine safety: node " + nodeId + " " + when + " up to index " + index
                    + " has a different applied history than another node");
        }
    }

    /** Records a ReadIndex request as it is issued: everything committed so far must be visible to it. */
    public void readIssued(ByteString requestCtx) {
        readLowerBounds.put(requestCtx, maxCommitIndex);
    }

    /**
     * Read safety (linearizable reads): the index a ReadIndex request is answered with covers every
     * entry committed before the request was issued; a read that waits for it sees them all.
     */
    public void checkReadState(long nodeId, ReadState readState) {
        Long lowerBound = readLowerBounds.get(readState.requestCtx());
        if (lowerBound != null && readState.index() < lowerBound) {
            throw new SafetyViolation("read safety: node " + nodeId + " answered read "
                    + readState.requestCtx().toStringUtf8() + " at index " + readState.index() + " but index "
                    + lowerBound + " was committed before it was issued");
        }
    }

    /** A restart must load exactly the hard state that was made durable before the crash. */
    public void checkRestart(long nodeId, HardState beforeCrash, HardState afterRestart) {
        if (!beforeCrash.equals(afterRestart)) {
            throw new SafetyViolation("durability: node " + nodeId + " persisted " + oneLine(beforeCrash)
                    + " but restarted with " + oneLine(afterRestart));
        }
    }

    private static long termOrUnknown(MemoryStorage disk, long index) {
        if (index < disk.firstIndex() - 1 || index > disk.lastIndex()) {
            return -1;
        }
        return disk.term(index);
    }

    private static String describe(Entry e) {
        return e.getTerm() + "/" + e.getIndex() + " " + e.getEntryType() + " "
                + e.getData().toStringUtf8();
    }

    private static String oneLine(HardState hs) {
        return "HardState{term " + hs.getTerm() + ", vote " + hs.getVote() + ", commit " + hs.getCommit() + "}";
    }
}
