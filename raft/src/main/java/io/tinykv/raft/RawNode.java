package io.tinykv.raft;

import com.google.protobuf.ByteString;
import io.tinykv.proto.Eraftpb.ConfChange;
import io.tinykv.proto.Eraftpb.ConfState;
import io.tinykv.proto.Eraftpb.Entry;
import io.tinykv.proto.Eraftpb.EntryType;
import io.tinykv.proto.Eraftpb.HardState;
import io.tinykv.proto.Eraftpb.Message;
import io.tinykv.proto.Eraftpb.MessageType;
import io.tinykv.proto.Eraftpb.Snapshot;
import java.util.ArrayList;
import java.util.List;
import java.util.Objects;
import java.util.random.RandomGenerator;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The application's handle on one Raft node: feed it ticks, proposals and network messages, then
 * collect and process {@link Ready}s. Single-threaded: the owner calls every method from one thread.
 *
 * <p>The loop per Ready: send the messages that may go before the persist; persist the snapshot
 * (if any), the hard state (if changed) and the entries (synced when the Ready says so); send the
 * other messages; apply the committed entries (calling {@link #applyConfChange} for conf-change
 * entries); then {@link #advance(Ready)}. Call {@link #ready()} only when {@link #hasReady()} is
 * true, and advance each Ready before asking for the next one. A Ready that needs no sync
 * ({@link #readyMustSync()}: e.g. the entries a single voter's advance just committed) may be handled
 * right after that advance, in the same round as the write it follows.
 *
 * <p>Appends are coalesced per round: proposals and acknowledgements stepped between two Readys
 * produce at most one append per follower carrying all new entries and the latest commit index,
 * built when the round's messages are collected ({@link #hasReady()}, {@link #ready()}).
 */
public final class RawNode {
    private static final Logger LOG = LoggerFactory.getLogger(RawNode.class);

    private final Raft raft;
    private SoftState prevSoftState;
    private HardState prevHardState;

    /**
     * Creates a node from {@code storage}'s state. A new node (empty hard state) with a membership in
     * its storage starts as a follower of term 0; a restarted node resumes its term and vote, and
     * its first Ready returns the committed entries after {@code config.appliedIndex()}.
     *
     * @throws IllegalArgumentException if storage or random is null, or the applied index is beyond
     *     the persisted commit index
     */
    public RawNode(RaftConfig config, Storage storage, RandomGenerator random) {
        Objects.requireNonNull(config, "config");
        this.raft = new Raft(config, storage, random);
        this.prevSoftState = raft.softState();
        this.prevHardState = raft.hardState();
    }

    /** For tests in this package: wraps an existing state machine. */
    RawNode(Raft raft) {
        this.raft = raft;
        this.prevSoftState = raft.softState();
        this.prevHardState = raft.hardState();
    }

    Raft raft() {
        return raft;
    }

    public long id() {
        return raft.id;
    }

    /** Advances logical time by one tick: election timeouts, heartbeats, check-quorum. */
    public void tick() {
        raft.tick();
    }

    /**
     * The application ticks this node again after it stopped for a while (an idle region,
     * hibernating). The election clock starts over: a follower (or candidate) waits a whole election
     * timeout from now before it campaigns, so that waking never makes it campaign at once. A leader
     * starts a new check-quorum round with no follower yet counted active — having stopped ticking
     * makes it neither step down at once nor keep leading on evidence from before it stopped — and
     * heartbeats at once, so that its followers hear it again before their own timeouts.
     */
    public void resumeTicking() {
        raft.resumeTicking();
    }

    /** Starts an election now (as if the election timeout fired); ignored when leader or not a voter. */
    public void campaign() {
        raft.step(Message.newBuilder()
                .setMsgType(MessageType.MsgHup)
                .setFrom(raft.id)
                .build());
    }

    /**
     * Proposes {@code data} to be appended to the log. Accepted does not mean committed: watch the
     * committed entries.
     *
     * @throws ProposalDroppedException when it cannot be accepted now (the message says why)
     */
    public void propose(ByteString data) {
        Objects.requireNonNull(data, "data");
        raft.step(Message.newBuilder()
                .setMsgType(MessageType.MsgPropose)
                .setFrom(raft.id)
                .addEntries(
                        Entry.newBuilder().setEntryType(EntryType.EntryNormal).setData(data))
                .build());
    }

    /**
     * Proposes a membership change. At most one may be pending (proposed and not yet applied).
     *
     * @throws ProposalDroppedException when it cannot be accepted now (the message says why)
     */
    public void proposeConfChange(ConfChange cc) {
        Objects.requireNonNull(cc, "confChange");
        raft.step(Message.newBuilder()
                .setMsgType(MessageType.MsgPropose)
                .setFrom(raft.id)
                .addEntries(Entry.newBuilder()
                        .setEntryType(EntryType.EntryConfChange)
                        .setData(cc.toByteString()))
                .build());
    }

    /**
     * Applies a committed conf change (call it when applying its entry) and returns the new
     * membership. A conf change with node id 0 changes nothing and only clears the pending flag.
     * Adding an existing voter is harmless; adding an existing learner as voter promotes it; demoting
     * a voter to learner is refused (IllegalArgumentException). A leader that applies its own removal
     * sends the commit index to the others and steps down (it never campaigns again, not being a
     * member), so the remaining voters elect a new leader after an election timeout; the
     * application may then destroy it.
     */
    public ConfState applyConfChange(ConfChange cc) {
        Objects.requireNonNull(cc, "confChange");
        return raft.applyConfChange(cc);
    }

    /**
     * Feeds a message received from another node. A dropped forwarded proposal is logged, not thrown:
     * its proposer is elsewhere and will time out.
     *
     * @throws IllegalArgumentException for local-only message types or a message addressed elsewhere
     */
    public void step(Message m) {
        Objects.requireNonNull(m, "message");
        if (isLocalMessage(m.getMsgType())) {
            throw new IllegalArgumentException(
                    "message type " + m.getMsgType() + " is local; use the RawNode method instead of step()");
        }
        if (m.getTo() != raft.id) {
            throw new IllegalArgumentException(
                    "message " + m.getMsgType() + " is addressed to " + m.getTo() + ", not to this node " + raft.id);
        }
        try {
            raft.step(m);
        } catch (ProposalDroppedException e) {
            LOG.debug("{} dropped {} from {}: {}", raft.id, m.getMsgType(), m.getFrom(), e.getMessage());
        }
    }

    static boolean isLocalMessage(MessageType t) {
        return switch (t) {
            case MsgHup, MsgBeat, MsgUnreachable, MsgSnapStatus, MsgCheckQuorum -> true;
            default -> false;
        };
    }

    /**
     * Asks the leader to hand leadership to {@code transferee}. Ignored for a non-member, a learner
     * or the leader itself; aborted if it does not complete within an election timeout.
     */
    public void transferLeader(long transferee) {
        raft.step(Message.newBuilder()
                .setMsgType(MessageType.MsgTransferLeader)
                .setFrom(transferee)
                .build());
    }

    /**
     * Asks that followers be told at once when the entry at {@code index} commits, even where the
     * config leaves commit indexes to the next append or heartbeat ({@link
     * CommitBroadcast#WITH_NEXT_MESSAGE}): for an entry whose application on the followers should not
     * wait, such as a split that creates their peers of the new regions.
     */
    public void broadcastCommitOf(long index) {
        raft.urgentCommitIndex = Math.max(raft.urgentCommitIndex, index);
    }

    /** Whether this leader is handing leadership over (a transfer started and not yet done or abandoned). */
    public boolean isTransferringLeader() {
        return raft.state() == StateRole.LEADER && raft.leadTransferee != Raft.NONE;
    }

    /**
     * Whether this leader has a configuration change in its log that is not applied yet: until it is,
     * Raft refuses another one (a proposal of one is dropped).
     */
    public boolean hasPendingConfChange() {
        return raft.pendingConfIndex > raft.raftLog.applied();
    }

    /**
     * Requests a read index; the answer comes as a {@link ReadState} with the same context in a later
     * Ready. Contexts should be unique per request.
     *
     * @throws ProposalDroppedException when no leader is known
     */
    public void readIndex(ByteString requestCtx) {
        Objects.requireNonNull(requestCtx, "requestCtx");
        raft.step(Message.newBuilder()
                .setMsgType(MessageType.MsgReadIndex)
                .setFrom(raft.id)
                .addEntries(Entry.newBuilder().setData(requestCtx))
                .build());
    }

    /** Tells the leader that the last message to {@code id} could not be delivered. */
    public void reportUnreachable(long id) {
        raft.step(Message.newBuilder()
                .setMsgType(MessageType.MsgUnreachable)
                .setFrom(id)
                .build());
    }

    /** Tells the leader how sending a snapshot to {@code id} ended. */
    public void reportSnapshot(long id, SnapshotStatus status) {
        Objects.requireNonNull(status, "status");
        raft.step(Message.newBuilder()
                .setMsgType(MessageType.MsgSnapStatus)
                .setFrom(id)
                .setReject(status == SnapshotStatus.FAILURE)
                .build());
    }

    /** Whether {@link #ready()} would return something to do. */
    public boolean hasReady() {
        raft.flushPendingAppends();
        if (raft.softStateDiffers(prevSoftState)) {
            return true;
        }
        if (raft.hardStateDiffers(HardState.getDefaultInstance()) && raft.hardStateDiffers(prevHardState)) {
            return true;
        }
        RaftLog log = raft.raftLog;
        return log.hasPendingSnapshot()
                || !raft.msgs.isEmpty()
                || log.unstable().hasEntries()
                || log.hasNextEntries()
                || !raft.readStates.isEmpty();
    }

    /**
     * Returns the work to do now and takes ownership of its messages and read states (they are not
     * returned again). Process it fully, then call {@link #advance(Ready)}.
     */
    public Ready ready() {
        raft.flushPendingAppends();
        RaftLog log = raft.raftLog;
        SoftState ss = raft.softState();
        SoftState softState = ss.equals(prevSoftState) ? null : ss;
        HardState hs = raft.hardState();
        HardState hardState = hs.equals(prevHardState) ? null : hs;
        Snapshot snapshot = log.unstable().snapshot();
        List<Entry> entries = log.unstableEntries();
        boolean mustSync = snapshot != null || Ready.mustSync(hs, prevHardState, entries.size());
        // A leader's appends and heartbeats may leave before its own persist, unless this round makes
        // it adopt a term or vote: those must be durable before anybody hears of the term.
        boolean termOrVoteChanged = hs.getTerm() != prevHardState.getTerm() || hs.getVote() != prevHardState.getVote();
        List<Message> before = new ArrayList<>();
        List<Message> after = new ArrayList<>();
        for (Message m : raft.msgs) {
            if (!termOrVoteChanged && mayLeaveBeforePersist(m.getMsgType())) {
                before.add(m);
            } else {
                after.add(m);
            }
        }
        Ready rd = new Ready(
                softState,
                hardState,
                List.copyOf(raft.readStates),
                entries,
                snapshot,
                log.nextEntries(Entries.NO_LIMIT),
                after,
                before,
                mustSync);
        if (softState != null) {
            prevSoftState = softState;
        }
        raft.readStates.clear();
        raft.msgs.clear();
        return rd;
    }

    /**
     * Whether the Ready {@link #ready()} would return now must be synced ({@link Ready#mustSync()}):
     * it carries new entries, a snapshot, or a new term or vote. Call it only when {@link #hasReady()}
     * is true.
     *
     * <p>When it need not be, nothing in that Ready waits for a sync: its hard state differs at most
     * in the commit index, which covers only entries already durable here (the log has no unstable
     * entries). That is the Ready {@link #advance(Ready)} leaves behind when the persist it reports
     * completes a quorum — always so for a single voter, whose own durable copy is its whole quorum —
     * and the application may handle it in the same round as the write it follows, instead of
     * waiting for another one (etcd's single-node commit, with the commit still taken only once the
     * entries are durable).
     */
    public boolean readyMustSync() {
        RaftLog log = raft.raftLog;
        return log.hasPendingSnapshot()
                || log.unstable().hasEntries()
                || raft.term() != prevHardState.getTerm()
                || raft.vote() != prevHardState.getVote();
    }

    /**
     * Messages that state nothing about the sender's own disk: a leader's appends (its entries count
     * toward a commit only once it persisted them itself) and heartbeats.
     */
    static boolean mayLeaveBeforePersist(MessageType t) {
        return t == MessageType.MsgAppend || t == MessageType.MsgHeartbeat;
    }

    /**
     * Tells the node the application finished {@code rd}: its entries and snapshot are durable and
     * its committed entries applied.
     */
    public void advance(Ready rd) {
        Objects.requireNonNull(rd, "ready");
        if (rd.hardState() != null) {
            prevHardState = rd.hardState();
        }
        RaftLog log = raft.raftLog;
        if (!rd.entries().isEmpty()) {
            Entry last = rd.entries().get(rd.entries().size() - 1);
            log.stableTo(last.getIndex(), last.getTerm());
            // A leader counts its own copy toward the commit quorum only now that it is durable.
            raft.onOwnEntriesPersisted(last.getIndex(), last.getTerm());
        }
        if (rd.snapshot() != null) {
            long snapIndex = rd.snapshot().getMetadata().getIndex();
            log.stableSnapTo(snapIndex);
            // Installing the snapshot applied everything up to its index.
            if (snapIndex > log.applied()) {
                log.appliedTo(snapIndex);
            }
        }
        if (!rd.committedEntries().isEmpty()) {
            log.appliedTo(
                    rd.committedEntries().get(rd.committedEntries().size() - 1).getIndex());
            raft.reduceUncommittedSize(rd.committedEntries());
        }
    }

    /**
     * A full picture of the node (hard and soft state, every follower's progress when leader), built
     * anew at each call: for heartbeats, operators and tests. The accessors below are for the hot
     * path; they allocate nothing.
     */
    public Status status() {
        return raft.status();
    }

    /**
     * What the leader knows {@code peerId} holds: the follower's match index, or -1 when this node is
     * not the leader or does not track that peer. For checks run every tick (a pending peer caught
     * up?), where {@link #status()} would build a map of every follower's progress each time.
     */
    public long matchIndexOf(long peerId) {
        return raft.matchIndexOf(peerId);
    }

    /** Whether this node is the leader of its current term. */
    public boolean isLeader() {
        return raft.state() == StateRole.LEADER;
    }

    /** The leader this node knows of in its current term, or 0. */
    public long leaderId() {
        return raft.lead();
    }

    public long term() {
        return raft.term();
    }

    /** The index of the last entry of this node's log (persisted or not). */
    public long lastIndex() {
        return raft.raftLog.lastIndex();
    }

    public long commitIndex() {
        return raft.raftLog.committed();
    }
}
