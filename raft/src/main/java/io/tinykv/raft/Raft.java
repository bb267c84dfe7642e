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
import io.tinykv.proto.Eraftpb.SnapshotMetadata;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.random.RandomGenerator;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * One Raft node's consensus state machine: roles, terms, votes and the log. Input is
 * {@link #step(Message)} and {@link #tick()}; output accumulates in {@link #messages()} and
 * {@link #readStates()} for {@link RawNode} to hand out. No IO, no threads, no clock.
 *
 * <p>The role-specific message handling lives in {@link LeaderStep} and {@link FollowerStep}
 * (followers and candidates); this class keeps the rules common to all roles (term comparison,
 * voting), role transitions, elections, replication sending and membership.
 */
final class Raft {
    private static final Logger LOG = LoggerFactory.getLogger(Raft.class);

    /** Context of a vote request that comes from a leader transfer: it overrides the leader lease. */
    static final ByteString CAMPAIGN_TRANSFER = ByteString.copyFromUtf8("CampaignTransfer");

    static final long NONE = 0;

    enum CampaignType {
        PRE_ELECTION,
        ELECTION,
        TRANSFER
    }

    final long id;
    private long term;
    private long vote;
    private StateRole state = StateRole.FOLLOWER;
    private long lead = NONE;

    final RaftLog raftLog;
    final ProgressTracker prs;
    final RaftConfig config;
    private final RandomGenerator random;

    final List<Message> msgs = new ArrayList<>();
    final List<ReadState> readStates = new ArrayList<>();
    ReadOnly readOnly;
    /** ReadIndex requests that arrived before this leader committed an entry of its term. */
    final List<Message> pendingReadIndexMessages = new ArrayList<>();

    /** Target of an ongoing leadership transfer, or NONE. */
    long leadTransferee = NONE;
    /**
     * The log index of the last conf change proposed (or, for a new leader, its last index): a new
     * conf change may be proposed only once the applied index passed it.
     */
    long pendingConfIndex;
    /** Payload bytes appended by this leader and not yet committed-and-applied. */
    long uncommittedSize;
    /**
     * A leader has new entries or a new commit index to tell its followers: the appends go out once
     * per round ({@link #flushPendingAppends}), not once per proposal or acknowledgement.
     */
    private boolean appendsPending;
    /** A leader's no-op, the first entry of its term: its commit is told to followers at once. */
    private long termStartIndex;
    /** The last entry the application asked to have its commit told at once ({@link RawNode#broadcastCommitOf}). */
    long urgentCommitIndex;

    /** Ticks since the last election timeout reset (leader: since the last check-quorum round). */
    int electionElapsed;

    int heartbeatElapsed;
    private int randomizedElectionTimeout;

    private final LeaderStep leaderStep;
    private final FollowerStep followerStep;

    Raft(RaftConfig config, Storage storage, RandomGenerator random) {
        if (storage == null) {
            throw new IllegalArgumentException("storage must not be null");
        }
        if (random == null) {
            throw new IllegalArgumentException("random must not be null");
        }
        this.config = config;
        this.id = config.id();
        this.random = random;
        this.raftLog = new RaftLog(storage);
        this.prs = new ProgressTracker(config.maxInflightMsgs());
        this.readOnly = new ReadOnly(config.readOnlyOption());
        this.leaderStep = new LeaderStep(this);
        this.followerStep = new FollowerStep(this);

        InitialState initial = storage.initialState();
        ConfState cs = initial.confState();
        long next = raftLog.lastIndex() + 1;
        for (long v : cs.getVotersList()) {
            prs.add(v, 0, next, false);
        }
        for (long l : cs.getLearnersList()) {
            if (prs.contains(l)) {
                throw new IllegalArgumentException("node " + l + " is both voter and learner in " + cs);
            }
            prs.add(l, 0, next, true);
        }
        HardState hs = initial.hardState();
        if (!hs.equals(HardState.getDefaultInstance())) {
            loadState(hs);
        }
        if (config.appliedIndex() > 0) {
            if (config.appliedIndex() > raftLog.committed()) {
                throw new IllegalArgumentException("appliedIndex " + config.appliedIndex()
                        + " is beyond the persisted commit index " + raftLog.committed());
            }
            if (config.appliedIndex() >= raftLog.applied()) {
                raftLog.appliedTo(config.appliedIndex());
            }
        }
        becomeFollower(term, NONE);
        LOG.debug(
                "newRaft {} [peers {}, term {}, commit {}, applied {}, lastindex {}, lastterm {}]",
                id,
                prs.progress().keySet(),
                term,
                raftLog.committed(),
                raftLog.applied(),
                raftLog.lastIndex(),
                raftLog.lastTerm());
    }

    private void loadState(HardState hs) {
        if (hs.getCommit() > raftLog.lastIndex()) {
            // Committed entries are missing from the log: the storage lost data we acknowledged.
            throw new IllegalStateException("hard state commit " + hs.getCommit() + " is beyond the last log index "
                    + raftLog.lastIndex() + ": committed entries are missing from storage");
        }
        if (hs.getCommit() < raftLog.committed()) {
            // The snapshot proves more is committed than the hard state recorded; keep the larger value.
            LOG.warn(
                    "{} hard state commit {} is below the snapshot index {}; using the snapshot index",
                    id,
                    hs.getCommit(),
                    raftLog.committed());
        }
        raftLog.commitTo(hs.getCommit());
        term = hs.getTerm();
        vote = hs.getVote();
    }

    // ---- accessors -------------------------------------------------------------------------------

    long term() {
        return term;
    }

    long vote() {
        return vote;
    }

    StateRole state() {
        return state;
    }

    long lead() {
        return lead;
    }

    void setLead(long leaderId) {
        lead = leaderId;
    }

    int randomizedElectionTimeout() {
        return randomizedElectionTimeout;
    }

    List<Message> messages() {
        return msgs;
    }

    List<ReadState> readStates() {
        return readStates;
    }

    SoftState softState() {
        return new SoftState(lead, state);
    }

    /**
     * Whether {@link #softState()} would differ from {@code other}, without building it (see
     * {@link #hardStateDiffers}).
     */
    boolean softStateDiffers(SoftState other) {
        return lead != other.leaderId() || state != other.role();
    }

    HardState hardState() {
        return HardState.newBuilder()
                .setTerm(term)
                .setVote(vote)
                .setCommit(raftLog.committed())
                .build();
    }

    /**
     * Whether {@link #hardState()} would differ from {@code other}, without building it: hasReady
     * asks this of every peer of a store every round, a thousand times a tick with a thousand regions.
     */
    boolean hardStateDiffers(HardState other) {
        return term != other.getTerm() || vote != other.getVote() || raftLog.committed() != other.getCommit();
    }

    /** A voter in the current configuration: only those may campaign. */
    boolean promotable() {
        return prs.isVoter(id);
    }

    boolean isLearner() {
        Progress pr = prs.get(id);
        return pr != null && pr.isLearner();
    }

    // ---- sending ---------------------------------------------------------------------------------

    /**
     * Queues {@code m}, with this node as sender unless one is set (a forwarded leader-transfer request
     * keeps its transferee as sender); stamps the current term where the protocol wants it.
     */
    void send(Message.Builder m) {
        if (m.getFrom() == NONE) {
            m.setFrom(id);
        }
        MessageType t = m.getMsgType();
        if (t == MessageType.MsgRequestVote
                || t == MessageType.MsgRequestPreVote
                || t == MessageType.MsgRequestVoteResponse
                || t == MessageType.MsgRequestPreVoteResponse) {
            // Vote traffic carries an explicit term: a pre-vote asks for term + 1 without adopting it.
            if (m.getTerm() == 0) {
                throw new IllegalStateException("term must be set when sending " + t);
            }
        } else {
            if (m.getTerm() != 0) {
                throw new IllegalStateException(
                        "term must not be set when sending " + t + " (was " + m.getTerm() + ")");
            }
            // Forwarded proposals and read requests are treated as local at the receiver.
            if (t != MessageType.MsgPropose && t != MessageType.MsgReadIndex) {
                m.setTerm(term);
            }
        }
        msgs.add(m.build());
    }

    /** Sends an append (or a snapshot) to {@code to} if there is anything to send or a probe is due. */
    void sendAppend(long to) {
        maybeSendAppend(to, true);
    }

    /**
     * Sends entries from the follower's next index. With {@code sendIfEmpty} false, nothing is sent
     * when there are no new entries. Returns whether a message was sent.
     */
    boolean maybeSendAppend(long to, boolean sendIfEmpty) {
        Progress pr = prs.get(to);
        if (pr == null || pr.isPaused()) {
            return false;
        }
        long prevIndex = pr.next() - 1;
        long prevTerm;
        List<Entry> ents;
        try {
            prevTerm = raftLog.term(prevIndex);
            ents = raftLog.entries(pr.next(), config.maxSizePerMsgBytes());
        } catch (CompactedException e) {
            return sendSnapshot(to, pr);
        }
        if (ents.isEmpty() && !sendIfEmpty) {
            return false;
        }
        Message.Builder m = Message.newBuilder()
                .setMsgType(MessageType.MsgAppend)
                .setTo(to)
                .setIndex(prevIndex)
                .setLogTerm(prevTerm)
                .addAllEntries(ents)
                .setCommit(raftLog.committed());
        // The follower commits up to the leader's commit index, as far as this append takes its log.
        pr.noteCommitSent(Math.min(raftLog.committed(), prevIndex + ents.size()));
        if (!ents.isEmpty()) {
            switch (pr.state()) {
                case REPLICATE -> {
                    long last = ents.get(ents.size() - 1).getIndex();
                    pr.optimisticUpdate(last);
                    pr.inflights().add(last);
                }
                case PROBE -> pr.setProbeSent(true);
                case SNAPSHOT ->
                    throw new IllegalStateException("node " + to + " is in snapshot state; appends must be paused");
            }
        }
        send(m);
        return true;
    }

    private boolean sendSnapshot(long to, Progress pr) {
        if (!pr.recentActive()) {
            // Snapshots are expensive: send one only to a follower we know is alive.
            LOG.debug("{} ignore sending snapshot to {} since it is not recently active", id, to);
            return false;
        }
        Snapshot snapshot;
        try {
            snapshot = raftLog.snapshot();
        } catch (SnapshotTemporarilyUnavailableException e) {
            LOG.debug("{} failed to send snapshot to {} because snapshot is temporarily unavailable", id, to);
            return false;
        }
        SnapshotMetadata meta = snapshot.getMetadata();
        if (meta.getIndex() == 0) {
            throw new IllegalStateException("need non-empty snapshot to catch up node " + to);
        }
        LOG.debug(
                "{} [firstindex {}, commit {}] sent snapshot [index {}, term {}] to {} [{}]",
                id,
                raftLog.firstIndex(),
                raftLog.committed(),
                meta.getIndex(),
                meta.getTerm(),
                to,
                pr);
        pr.becomeSnapshot(meta.getIndex());
        send(Message.newBuilder().setMsgType(MessageType.MsgSnapshot).setTo(to).setSnapshot(snapshot));
        return true;
    }

    void sendHeartbeat(long to, ByteString ctx) {
        Progress pr = prs.get(to);
        // A follower may not have all committed entries yet: never tell it to commit beyond its match.
        long commit = Math.min(pr.match(), raftLog.committed());
        pr.noteCommitSent(commit);
        Message.Builder m = Message.newBuilder()
                .setMsgType(MessageType.MsgHeartbeat)
                .setTo(to)
                .setCommit(commit);
        if (!ctx.isEmpty()) {
            m.setContext(ctx);
        }
        send(m);
    }

    void bcastAppend() {
        for (long to : prs.progress().keySet()) {
            if (to != id) {
                sendAppend(to);
            }
        }
    }

    /** Asks for an append to every follower at the end of this round (see {@link #flushPendingAppends}). */
    void bcastAppendAtRoundEnd() {
        appendsPending = true;
    }

    /**
     * Sends the round's appends: to each follower one message with every entry it has not been sent
     * (as far as its inflight window allows), or, with no new entry, an empty one only when it
     * carries a commit index the follower can use, or probes a follower whose match is unknown.
     * Called when the application collects the round's messages.
     */
    void flushPendingAppends() {
        if (!appendsPending) {
            return;
        }
        appendsPending = false;
        if (state != StateRole.LEADER) {
            return;
        }
        long committed = raftLog.committed();
        for (var e : prs.progress().entrySet()) {
            long to = e.getKey();
            if (to == id) {
                continue;
            }
            Progress pr = e.getValue();
            maybeSendAppend(to, commitNewsToSend(pr, committed) || pr.state() == ProgressState.PROBE);
        }
    }

    /**
     * Whether a follower's progress calls for a message just to tell it a new commit index: it can
     * use one (the commit index, capped at its match, passed what it was told) and either the leader
     * broadcasts commits eagerly or the news covers an entry the followers should apply without
     * waiting for the next heartbeat: a conf change, this leader's no-op (and with it the entries
     * of earlier terms it commits), or an entry the application marked.
     */
    boolean commitNewsToSend(Progress pr, long committed) {
        long usable = Math.min(committed, pr.match());
        if (usable <= pr.sentCommit()) {
            return false;
        }
        return config.commitBroadcast() == CommitBroadcast.EAGER
                || coversUntold(pendingConfIndex, pr, usable)
                || coversUntold(termStartIndex, pr, usable)
                || coversUntold(urgentCommitIndex, pr, usable);
    }

    /** Whether {@code index} is committed as far as the follower can use it, and it was not told so. */
    private static boolean coversUntold(long index, Progress pr, long usable) {
        return index > pr.sentCommit() && usable >= index;
    }

    /**
     * The application persisted this node's log up to {@code (index, term)}. A leader counts its own
     * copy toward the commit quorum from now on (never before: a quorum that counted an entry only
     * in the leader's memory would lose it in a crash).
     */
    void onOwnEntriesPersisted(long index, long term) {
        if (state != StateRole.LEADER || !raftLog.matchTerm(index, term)) {
            return;
        }
        Progress self = prs.get(id);
        if (self != null && self.maybeUpdate(index) && maybeCommit()) {
            leaderStep.releasePendingReadIndexMessages();
            bcastAppendAtRoundEnd();
        }
    }

    /** The highest index of this node's log known to be in stable storage. */
    long persistedIndex() {
        return Math.min(raftLog.lastIndex(), raftLog.unstable().offset() - 1);
    }

    void bcastHeartbeat() {
        bcastHeartbeatWithCtx(readOnly.lastPendingRequestCtx());
    }

    void bcastHeartbeatWithCtx(ByteString ctx) {
        for (long to : prs.progress().keySet()) {
            if (to != id) {
                sendHeartbeat(to, ctx);
            }
        }
    }

    void sendTimeoutNow(long to) {
        send(Message.newBuilder().setMsgType(MessageType.MsgTimeoutNow).setTo(to));
    }

    // ---- role transitions ------------------------------------------------------------------------

    private void reset(long newTerm) {
        if (term != newTerm) {
            term = newTerm;
            vote = NONE;
        }
        lead = NONE;
        electionElapsed = 0;
        heartbeatElapsed = 0;
        resetRandomizedElectionTimeout();
        abortLeaderTransfer();
        prs.resetVotes();
        long last = raftLog.lastIndex();
        for (var e : prs.progress().entrySet()) {
            Progress pr =
                    new Progress(0, last + 1, prs.maxInflight(), e.getValue().isLearner());
            if (e.getKey() == id) {
                // Only what is durable counts as this node's match.
                pr.setMatchAndNext(persistedIndex(), last + 1);
            }
            e.setValue(pr);
        }
        pendingConfIndex = 0;
        uncommittedSize = 0;
        readOnly = new ReadOnly(config.readOnlyOption());
        pendingReadIndexMessages.clear();
    }

    /** Tests: sets the randomized timeout to a fixed value. */
    void setRandomizedElectionTimeoutForTest(int ticks) {
        randomizedElectionTimeout = ticks;
    }

    void resetRandomizedElectionTimeout() {
        randomizedElectionTimeout = config.electionTicks() + random.nextInt(config.electionTicks());
    }

    boolean pastElectionTimeout() {
        return electionElapsed >= randomizedElectionTimeout;
    }

    void becomeFollower(long newTerm, long leaderId) {
        reset(newTerm);
        lead = leaderId;
        state = StateRole.FOLLOWER;
        LOG.debug("{} became follower at term {}", id, term);
    }

    void becomeCandidate() {
        if (state == StateRole.LEADER) {
            throw new IllegalStateException("invalid transition [leader -> candidate]");
        }
        reset(term + 1);
        vote = id;
        state = StateRole.CANDIDATE;
        LOG.debug("{} became candidate at term {}", id, term);
    }

    void becomePreCandidate() {
        if (state == StateRole.LEADER) {
            throw new IllegalStateException("invalid transition [leader -> pre-candidate]");
        }
        // A pre-candidate keeps its term and vote: it only asks whether it could win.
        prs.resetVotes();
        lead = NONE;
        state = StateRole.PRE_CANDIDATE;
        LOG.debug("{} became pre-candidate at term {}", id, term);
    }

    void becomeLeader() {
        if (state == StateRole.FOLLOWER) {
            throw new IllegalStateException("invalid transition [follower -> leader]");
        }
        reset(term);
        lead = id;
        state = StateRole.LEADER;
        Progress self = prs.get(id);
        if (self != null) {
            self.becomeReplicate();
            self.setRecentActive(true);
        }
        // Any conf change in the uncommitted tail may still be pending: be conservative.
        pendingConfIndex = raftLog.lastIndex();
        // The no-op entry of the new term lets the leader commit entries of earlier terms (§5.4.2).
        if (!appendEntry(List.of(Entry.newBuilder().build()))) {
            throw new IllegalStateException("empty entry was dropped");
        }
        termStartIndex = raftLog.lastIndex();
        LOG.debug("{} became leader at term {}", id, term);
    }

    // ---- elections -------------------------------------------------------------------------------

    void hup(CampaignType type) {
        if (state == StateRole.LEADER) {
            LOG.debug("{} ignoring MsgHup because already leader", id);
            return;
        }
        if (!promotable()) {
            LOG.debug("{} is unpromotable and can not campaign", id);
            return;
        }
        if (hasUnappliedConfChanges()) {
            LOG.debug("{} cannot campaign at term {} since there are unapplied conf changes", id, term);
            return;
        }
        campaign(type);
    }

    private boolean hasUnappliedConfChanges() {
        // Entries below the first index are inside a snapshot, whose membership is already in effect.
        long lo = Math.max(raftLog.applied() + 1, raftLog.firstIndex());
        if (lo > raftLog.committed()) {
            return false;
        }
        for (Entry e : raftLog.slice(lo, raftLog.committed() + 1, Entries.NO_LIMIT)) {
            if (e.getEntryType() == EntryType.EntryConfChange) {
                return true;
            }
        }
        return false;
    }

    void campaign(CampaignType type) {
        if (!promotable()) {
            LOG.warn("{} is unpromotable; campaign() should have been called", id);
            return;
        }
        long voteTerm;
        MessageType voteMsg;
        if (type == CampaignType.PRE_ELECTION) {
            becomePreCandidate();
            voteMsg = MessageType.MsgRequestPreVote;
            voteTerm = term + 1; // the term we would campaign in
        } else {
            becomeCandidate();
            voteMsg = MessageType.MsgRequestVote;
            voteTerm = term;
        }
        if (poll(id, voteResponseType(voteMsg), true) == Quorum.VoteResult.WON) {
            // A single-voter group wins at once.
            if (type == CampaignType.PRE_ELECTION) {
                campaign(CampaignType.ELECTION);
            } else {
                becomeLeader();
                // Learners (and any lagging members) hear of the new leader at once.
                bcastAppend();
            }
            return;
        }
        for (long to : prs.voterIds()) {
            if (to == id) {
                continue;
            }
            Message.Builder m = Message.newBuilder()
                    .setMsgType(voteMsg)
                    .setTo(to)
                    .setTerm(voteTerm)
                    .setIndex(raftLog.lastIndex())
                    .setLogTerm(raftLog.lastTerm());
            if (type == CampaignType.TRANSFER) {
                m.setContext(CAMPAIGN_TRANSFER);
            }
            send(m);
        }
    }

    static MessageType voteResponseType(MessageType t) {
        return switch (t) {
            case MsgRequestVote -> MessageType.MsgRequestVoteResponse;
            case MsgRequestPreVote -> MessageType.MsgRequestPreVoteResponse;
            default -> throw new IllegalArgumentException("not a vote message: " + t);
        };
    }

    Quorum.VoteResult poll(long from, MessageType t, boolean granted) {
        LOG.debug("{} received {} {} from {} at term {}", id, t, granted ? "grant" : "rejection", from, term);
        prs.recordVote(from, granted);
        return prs.tallyVotes();
    }

    // ---- the entry point -------------------------------------------------------------------------

    void tick() {
        if (state == StateRole.LEADER) {
            tickHeartbeat();
        } else {
            tickElection();
        }
    }

    /** See {@link RawNode#resumeTicking}. */
    void resumeTicking() {
        electionElapsed = 0;
        if (state != StateRole.LEADER) {
            return;
        }
        heartbeatElapsed = 0;
        prs.progress().forEach((peer, pr) -> {
            if (peer != id) {
                pr.setRecentActive(false);
            }
        });
        bcastHeartbeat();
    }

    private void tickElection() {
        // Saturate: a learner or removed node ticks forever without campaigning, and a wrapped
        // (negative) counter would look like a fresh leader lease.
        if (electionElapsed < Integer.MAX_VALUE) {
            electionElapsed++;
        }
        // The timeout first: it is a field compare, membership a map lookup, and a follower of an idle
        // region asks this every tick.
        if (pastElectionTimeout() && promotable()) {
            electionElapsed = 0;
            step(Message.newBuilder().setMsgType(MessageType.MsgHup).setFrom(id).build());
        }
    }

    private void tickHeartbeat() {
        heartbeatElapsed++;
        electionElapsed++;
        if (electionElapsed >= config.electionTicks()) {
            electionElapsed = 0;
            if (config.checkQuorum()) {
                step(Message.newBuilder()
                        .setMsgType(MessageType.MsgCheckQuorum)
                        .setFrom(id)
                        .build());
            }
            // A transfer that did not finish within an election timeout is abandoned.
            if (state == StateRole.LEADER && leadTransferee != NONE) {
                abortLeaderTransfer();
            }
        }
        if (state != StateRole.LEADER) {
            return;
        }
        if (heartbeatElapsed >= config.heartbeatTicks()) {
            heartbeatElapsed = 0;
            step(Message.newBuilder()
                    .setMsgType(MessageType.MsgBeat)
                    .setFrom(id)
                    .build());
        }
    }

    /**
     * Handles one message, local or from the network.
     *
     * @throws ProposalDroppedException when a local proposal or read cannot be accepted
     */
    void step(Message m) {
        if (m.getTerm() == 0) {
            // Local message (or a forwarded proposal / read): no term to compare.
        } else if (m.getTerm() > term) {
            if (m.getMsgType() == MessageType.MsgRequestVote || m.getMsgType() == MessageType.MsgRequestPreVote) {
                boolean force = CAMPAIGN_TRANSFER.equals(m.getContext());
                boolean inLease = config.checkQuorum() && lead != NONE && electionElapsed < config.electionTicks();
                if (!force && inLease) {
                    // We heard from a leader within the minimum election timeout: do not let a
                    // disruptive node (e.g. one rejoining from a partition) depose it.
                    LOG.debug(
                            "{} [term {}] ignored {} from {} [term {}]: lease is not expired",
                            id,
                            term,
                            m.getMsgType(),
                            m.getFrom(),
                            m.getTerm());
                    return;
                }
            }
            switch (m.getMsgType()) {
                case MsgRequestPreVote -> {
                    // A pre-vote never changes our term.
                }
                case MsgRequestPreVoteResponse -> {
                    if (m.getReject()) {
                        becomeFollower(m.getTerm(), NONE);
                    }
                    // A granted pre-vote carries the future term; we adopt it only on winning.
                }
                case MsgAppend, MsgHeartbeat, MsgSnapshot -> becomeFollower(m.getTerm(), m.getFrom());
                default -> becomeFollower(m.getTerm(), NONE);
            }
        } else if (m.getTerm() < term) {
            stepLowerTerm(m);
            return;
        }

        switch (m.getMsgType()) {
            case MsgHup -> hup(config.preVote() ? CampaignType.PRE_ELECTION : CampaignType.ELECTION);
            case MsgRequestVote, MsgRequestPreVote -> handleVoteRequest(m);
            default -> {
                if (state == StateRole.LEADER) {
                    leaderStep.step(m);
                } else {
                    followerStep.step(m);
                }
            }
        }
    }

    private void stepLowerTerm(Message m) {
        MessageType t = m.getMsgType();
        if ((config.checkQuorum() || config.preVote())
                && (t == MessageType.MsgHeartbeat || t == MessageType.MsgAppend)) {
            // A stale leader (e.g. back from a partition) would never learn of the new term otherwise,
            // since with check-quorum or pre-vote we do not raise our term to disrupt it. Tell it.
            send(Message.newBuilder().setMsgType(MessageType.MsgAppendResponse).setTo(m.getFrom()));
        } else if (t == MessageType.MsgRequestPreVote) {
            // Reject so the pre-candidate learns our higher term and does not wait forever.
            send(Message.newBuilder()
                    .setMsgType(MessageType.MsgRequestPreVoteResponse)
                    .setTo(m.getFrom())
                    .setTerm(term)
                    .setReject(true));
        } else {
            LOG.debug("{} [term {}] ignored {} from {} [term {}]", id, term, t, m.getFrom(), m.getTerm());
        }
    }

    private void handleVoteRequest(Message m) {
        boolean preVote = m.getMsgType() == MessageType.MsgRequestPreVote;
        // We can vote for the one we already voted for (a retry), or anybody when we have not voted
        // and know no leader; a pre-vote for a future term may be granted regardless.
        boolean canVote = vote == m.getFrom() || (vote == NONE && lead == NONE) || (preVote && m.getTerm() > term);
        MessageType resp = voteResponseType(m.getMsgType());
        if (canVote && raftLog.isUpToDate(m.getIndex(), m.getLogTerm())) {
            LOG.debug("{} cast {} for {} at term {}", id, m.getMsgType(), m.getFrom(), term);
            // The response carries the request's term: for a pre-vote that is the future term, which
            // the candidate recognizes; for a vote it equals ours by now.
            send(Message.newBuilder().setMsgType(resp).setTo(m.getFrom()).setTerm(m.getTerm()));
            if (!preVote) {
                electionElapsed = 0;
                vote = m.getFrom();
            }
        } else {
            LOG.debug("{} rejected {} from {} at term {}", id, m.getMsgType(), m.getFrom(), term);
            send(Message.newBuilder()
                    .setMsgType(resp)
                    .setTo(m.getFrom())
                    .setTerm(term)
                    .setReject(true));
        }
    }

    // ---- log operations used by the roles --------------------------------------------------------

    /**
     * Appends entries proposed to this leader, stamping term and index. Returns false (appending
     * nothing) when the uncommitted-bytes limit would be exceeded.
     */
    boolean appendEntry(List<Entry> es) {
        long li = raftLog.lastIndex();
        List<Entry> stamped = new ArrayList<>(es.size());
        for (int i = 0; i < es.size(); i++) {
            stamped.add(es.get(i).toBuilder().setTerm(term).setIndex(li + 1 + i).build());
        }
        if (!increaseUncommittedSize(stamped)) {
            return false;
        }
        raftLog.append(stamped);
        // The leader's own match advances when the application reports these entries persisted
        // (onOwnEntriesPersisted), so followers may have them before the leader's fsync ends.
        return true;
    }

    /** Advances the commit index to what a quorum has replicated, if that entry is of this term. */
    boolean maybeCommit() {
        return raftLog.maybeCommit(prs.committed(), term);
    }

    boolean committedEntryInCurrentTerm() {
        return raftLog.termOrZero(raftLog.committed()) == term;
    }

    private boolean increaseUncommittedSize(List<Entry> ents) {
        long s = Entries.payloadSize(ents);
        long limit = config.maxUncommittedEntriesBytes();
        // A lone entry is always accepted even when large, so a big proposal cannot block forever.
        if (limit > 0 && uncommittedSize > 0 && s > 0 && uncommittedSize + s > limit) {
            return false;
        }
        uncommittedSize += s;
        return true;
    }

    void reduceUncommittedSize(List<Entry> ents) {
        if (uncommittedSize == 0) {
            return; // fast path for followers, which do not track it
        }
        long s = Entries.payloadSize(ents);
        // Entries may have been appended by a previous leader; never go below zero.
        uncommittedSize = Math.max(0, uncommittedSize - s);
    }

    void handleAppendEntries(Message m) {
        if (m.getIndex() < raftLog.committed()) {
            send(Message.newBuilder()
                    .setMsgType(MessageType.MsgAppendResponse)
                    .setTo(m.getFrom())
                    .setIndex(raftLog.committed()));
            return;
        }
        long lastNew = raftLog.maybeAppend(m.getIndex(), m.getLogTerm(), m.getCommit(), m.getEntriesList());
        if (lastNew >= 0) {
            send(Message.newBuilder()
                    .setMsgType(MessageType.MsgAppendResponse)
                    .setTo(m.getFrom())
                    .setIndex(lastNew));
            return;
        }
        // Reject, with a hint that lets the leader skip every index that cannot match: the largest
        // index at or below the probe whose term is at most the leader's term there.
        long hintIndex = Math.min(m.getIndex(), raftLog.lastIndex());
        long[] hint = raftLog.findConflictByTerm(hintIndex, m.getLogTerm());
        LOG.debug(
                "{} [logterm {}, index {}] rejected MsgAppend [logterm {}, index {}] from {}",
                id,
                raftLog.termOrZero(m.getIndex()),
                m.getIndex(),
                m.getLogTerm(),
                m.getIndex(),
                m.getFrom());
        send(Message.newBuilder()
                .setMsgType(MessageType.MsgAppendResponse)
                .setTo(m.getFrom())
                .setIndex(m.getIndex())
                .setReject(true)
                .setRejectHint(hint[0])
                .setLogTerm(hint[1]));
    }

    void handleHeartbeat(Message m) {
        raftLog.commitTo(m.getCommit());
        send(Message.newBuilder()
                .setMsgType(MessageType.MsgHeartbeatResponse)
                .setTo(m.getFrom())
                .setContext(m.getContext()));
    }

    void handleSnapshot(Message m) {
        SnapshotMetadata meta = m.getSnapshot().getMetadata();
        if (restore(m.getSnapshot())) {
            LOG.debug(
                    "{} [commit {}] restored snapshot [index {}, term {}]",
                    id,
                    raftLog.committed(),
                    meta.getIndex(),
                    meta.getTerm());
            send(Message.newBuilder()
                    .setMsgType(MessageType.MsgAppendResponse)
                    .setTo(m.getFrom())
                    .setIndex(raftLog.lastIndex()));
        } else {
            LOG.debug(
                    "{} [commit {}] ignored snapshot [index {}, term {}]",
                    id,
                    raftLog.committed(),
                    meta.getIndex(),
                    meta.getTerm());
            send(Message.newBuilder()
                    .setMsgType(MessageType.MsgAppendResponse)
                    .setTo(m.getFrom())
                    .setIndex(raftLog.committed()));
        }
    }

    /**
     * Replaces the log with the snapshot unless it is stale. Returns whether it was installed (then
     * the application receives it in the next Ready).
     */
    boolean restore(Snapshot s) {
        SnapshotMetadata meta = s.getMetadata();
        if (meta.getIndex() <= raftLog.committed()) {
            return false;
        }
        if (state != StateRole.FOLLOWER) {
            // Only a leader of this term sends snapshots, so we should be its follower already.
            LOG.warn("{} attempted to restore snapshot as {}; should never happen", id, state);
            becomeFollower(term + 1, NONE);
            return false;
        }
        ConfState cs = meta.getConfState();
        if (!cs.getVotersList().contains(id) && !cs.getLearnersList().contains(id)) {
            LOG.warn("{} attempted to restore snapshot but it is not in the ConfState {}; ignoring", id, cs);
            return false;
        }
        if (raftLog.matchTerm(meta.getIndex(), meta.getTerm())) {
            // We already have the snapshot's last entry: just fast-forward the commit index.
            raftLog.commitTo(meta.getIndex());
            return false;
        }
        raftLog.restore(s);
        prs.progress().clear();
        long next = raftLog.lastIndex() + 1;
        for (long v : cs.getVotersList()) {
            prs.add(v, 0, next, false);
        }
        for (long l : cs.getLearnersList()) {
            prs.add(l, 0, next, true);
        }
        Progress self = prs.get(id);
        self.setMatchAndNext(next - 1, next);
        return true;
    }

    // ---- membership ------------------------------------------------------------------------------

    /** Applies a committed conf change and returns the resulting membership. */
    ConfState applyConfChange(ConfChange cc) {
        long nodeId = cc.getNodeId();
        if (nodeId == NONE) {
            // No node: only clears the pending flag (a conf change that was turned into a no-op).
            pendingConfIndex = 0;
            return prs.confState();
        }
        switch (cc.getChangeType()) {
            case AddNode -> addNode(nodeId, false);
            case AddLearnerNode -> addNode(nodeId, true);
            case RemoveNode -> removeNode(nodeId);
            default -> throw new IllegalArgumentException("unknown conf change type " + cc.getChangeType());
        }
        return prs.confState();
    }

    private void addNode(long nodeId, boolean learner) {
        Progress pr = prs.get(nodeId);
        if (pr != null) {
            if (pr.isLearner() && !learner) {
                pr.setLearner(false); // promotion of a caught-up learner
            } else if (!pr.isLearner() && learner) {
                throw new IllegalArgumentException("cannot demote voter " + nodeId + " to learner in one step");
            }
            return; // a duplicate add is harmless (schedulers resend operators)
        }
        long last = raftLog.lastIndex();
        prs.add(nodeId, 0, last + 1, learner);
        // Count a new node as active so check-quorum does not depose the leader before it answers.
        prs.get(nodeId).setRecentActive(true);
        if (nodeId == id) {
            prs.get(nodeId).setMatchAndNext(persistedIndex(), last + 1);
        }
    }

    private void removeNode(long nodeId) {
        if (!prs.contains(nodeId)) {
            return;
        }
        prs.remove(nodeId);
        if (leadTransferee == nodeId) {
            abortLeaderTransfer();
        }
        if (state != StateRole.LEADER) {
            return;
        }
        if (nodeId == id) {
            // The leader removed itself: commit what the remaining voters hold, tell followers the
            // commit index (which covers the removal), then step down so they elect among themselves.
            maybeCommit();
            bcastAppend();
            becomeFollower(term, NONE);
            return;
        }
        // The quorum shrank: entries may now be committed.
        if (maybeCommit()) {
            bcastAppend();
        }
    }

    void abortLeaderTransfer() {
        leadTransferee = NONE;
    }

    /** See {@link RawNode#matchIndexOf}. */
    long matchIndexOf(long peerId) {
        if (state != StateRole.LEADER) {
            return -1;
        }
        Progress pr = prs.get(peerId);
        return pr == null ? -1 : pr.match();
    }

    Status status() {
        Map<Long, ProgressView> progress = new TreeMap<>();
        if (state == StateRole.LEADER) {
            prs.progress().forEach((pid, pr) -> progress.put(pid, pr.view()));
        }
        return new Status(id, hardState(), softState(), raftLog.applied(), progress);
    }
}
