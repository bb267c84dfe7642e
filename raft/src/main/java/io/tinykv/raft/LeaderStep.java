package io.tinykv.raft;

import com.google.protobuf.ByteString;
import io.tinykv.proto.Eraftpb.Entry;
import io.tinykv.proto.Eraftpb.EntryType;
import io.tinykv.proto.Eraftpb.Message;
import io.tinykv.proto.Eraftpb.MessageType;
import java.util.ArrayList;
import java.util.List;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/** How a leader handles messages of its own term (and local ones). */
final class LeaderStep {
    private static final Logger LOG = LoggerFactory.getLogger(LeaderStep.class);

    private final Raft r;

    LeaderStep(Raft raft) {
        this.r = raft;
    }

    void step(Message m) {
        switch (m.getMsgType()) {
            case MsgBeat -> {
                r.bcastHeartbeat();
                return;
            }
            case MsgCheckQuorum -> {
                checkQuorum();
                return;
            }
            case MsgPropose -> {
                propose(m);
                return;
            }
            case MsgReadIndex -> {
                readIndex(m);
                return;
            }
            default -> {
                // The rest concern one peer's progress.
            }
        }
        Progress pr = r.prs.get(m.getFrom());
        if (pr == null) {
            LOG.debug("{} no progress available for {}", r.id, m.getFrom());
            return;
        }
        switch (m.getMsgType()) {
            case MsgAppendResponse -> appendResponse(m, pr);
            case MsgHeartbeatResponse -> heartbeatResponse(m, pr);
            case MsgSnapStatus -> snapStatus(m, pr);
            case MsgUnreachable -> {
                // An append was probably lost: stop pipelining and probe again.
                if (pr.state() == ProgressState.REPLICATE) {
                    pr.becomeProbe();
                }
            }
            case MsgTransferLeader -> transferLeader(m, pr);
            default -> LOG.debug("{} leader ignores {} from {}", r.id, m.getMsgType(), m.getFrom());
        }
    }

    private void checkQuorum() {
        Progress self = r.prs.get(r.id);
        if (self != null) {
            self.setRecentActive(true); // the leader always hears itself
        }
        if (!r.prs.quorumActive()) {
            LOG.warn("{} stepped down to follower since quorum is not active", r.id);
            r.becomeFollower(r.term(), Raft.NONE);
        }
        // Each round needs fresh evidence of activity.
        r.prs.progress().forEach((id, p) -> {
            if (id != r.id) {
                p.setRecentActive(false);
            }
        });
    }

    private void propose(Message m) {
        if (m.getEntriesCount() == 0) {
            throw new IllegalArgumentException("proposal from " + m.getFrom() + " has no entries");
        }
        if (!r.prs.contains(r.id)) {
            throw new ProposalDroppedException(
                    "node " + r.id + " was removed from the configuration and no longer accepts proposals");
        }
        if (r.leadTransferee != Raft.NONE) {
            throw new ProposalDroppedException(
                    "leadership transfer from " + r.id + " to " + r.leadTransferee + " is in progress");
        }
        List<Entry> ents = m.getEntriesList();
        long newPendingConfIndex = r.pendingConfIndex;
        for (int i = 0; i < ents.size(); i++) {
            if (ents.get(i).getEntryType() != EntryType.EntryConfChange) {
                continue;
            }
            if (newPendingConfIndex > r.raftLog.applied()) {
                throw new ProposalDroppedException("a configuration change is already pending (index "
                        + newPendingConfIndex + " not yet applied, applied " + r.raftLog.applied() + ")");
            }
            newPendingConfIndex = r.raftLog.lastIndex() + i + 1;
        }
        if (!r.appendEntry(ents)) {
            throw new ProposalDroppedException("uncommitted entries exceed the limit of "
                    + r.config.maxUncommittedEntriesBytes() + " bytes (now " + r.uncommittedSize + ")");
        }
        r.pendingConfIndex = newPendingConfIndex;
        r.bcastAppendAtRoundEnd();
    }

    private void readIndex(Message m) {
        if (r.prs.isSingleton()) {
            // The only voter: its own commit index is confirmed.
            respondToReadIndex(m, r.raftLog.committed());
            return;
        }
        if (!r.committedEntryInCurrentTerm()) {
            // Until the leader commits an entry of its term it does not know the latest commit index
            // (§6.4): answer once its no-op commits.
            r.pendingReadIndexMessages.add(m);
            return;
        }
        sendReadIndexResponse(m);
    }

    private void sendReadIndexResponse(Message m) {
        switch (r.readOnly.option()) {
            case SAFE -> {
                // Confirm leadership with a round of heartbeats carrying the request's context.
                r.readOnly.addRequest(r.raftLog.committed(), m);
                r.readOnly.recvAck(r.id, ReadOnly.contextOf(m));
                r.bcastHeartbeatWithCtx(ReadOnly.contextOf(m));
            }
            case LEASE_BASED -> respondToReadIndex(m, r.raftLog.committed());
        }
    }

    void releasePendingReadIndexMessages() {
        if (r.pendingReadIndexMessages.isEmpty() || !r.committedEntryInCurrentTerm()) {
            return;
        }
        List<Message> pending = new ArrayList<>(r.pendingReadIndexMessages);
        r.pendingReadIndexMessages.clear();
        for (Message m : pending) {
            sendReadIndexResponse(m);
        }
    }

    private void respondToReadIndex(Message req, long readIndex) {
        ByteString ctx = ReadOnly.contextOf(req);
        if (req.getFrom() == Raft.NONE || req.getFrom() == r.id) {
            r.readStates.add(new ReadState(readIndex, ctx));
            return;
        }
        r.send(Message.newBuilder()
                .setMsgType(MessageType.MsgReadIndexResp)
                .setTo(req.getFrom())
                .setIndex(readIndex)
                .addAllEntries(req.getEntriesList()));
        // The follower serves the read once it applied up to readIndex: with commits told lazily, make
        // sure it knows the commit index rather than leave it to the next heartbeat.
        Progress pr = r.prs.get(req.getFrom());
        if (pr != null && Math.min(readIndex, pr.match()) > pr.sentCommit()) {
            r.maybeSendAppend(req.getFrom(), true);
        }
    }

    private void appendResponse(Message m, Progress pr) {
        pr.setRecentActive(true);
        if (m.getReject()) {
            LOG.debug(
                    "{} received MsgAppendResponse(rejected, hint: (index {}, term {})) from {} for index {}",
                    r.id,
                    m.getRejectHint(),
                    m.getLogTerm(),
                    m.getFrom(),
                    m.getIndex());
            long nextProbeIdx = m.getRejectHint();
            if (m.getLogTerm() > 0) {
                // The follower's log has term logTerm at rejectHint: skip our entries of later terms too.
                nextProbeIdx = r.raftLog.findConflictByTerm(m.getRejectHint(), m.getLogTerm())[0];
            }
            if (pr.maybeDecrTo(m.getIndex(), nextProbeIdx)) {
                if (pr.state() == ProgressState.REPLICATE) {
                    pr.becomeProbe();
                }
                r.sendAppend(m.getFrom());
            }
            return;
        }
        if (!pr.maybeUpdate(m.getIndex())) {
            return; // stale or duplicate acknowledgement
        }
        switch (pr.state()) {
            case PROBE -> pr.becomeReplicate();
            case SNAPSHOT -> {
                if (pr.match() >= pr.pendingSnapshot()) {
                    // The snapshot (or enough entries) arrived: resume normal replication.
                    pr.becomeProbe();
                    pr.becomeReplicate();
                }
            }
            case REPLICATE -> pr.inflights().freeLE(m.getIndex());
        }
        if (r.maybeCommit()) {
            releasePendingReadIndexMessages();
        }
        // Whatever this ack allows — a new commit index for everyone, a freed window or a finished
        // probe for its sender — goes out with the round's appends: one per follower, not one per ack.
        r.bcastAppendAtRoundEnd();
        if (m.getFrom() == r.leadTransferee && pr.match() == r.raftLog.lastIndex()) {
            LOG.info("{} sent MsgTimeoutNow to {} after it caught up its log", r.id, m.getFrom());
            r.sendTimeoutNow(m.getFrom());
        }
    }

    private void heartbeatResponse(Message m, Progress pr) {
        pr.setRecentActive(true);
        pr.setProbeSent(false);
        // The follower is alive: free a slot so a lost append does not stall the window forever.
        if (pr.state() == ProgressState.REPLICATE && pr.inflights().full()) {
            pr.inflights().freeFirstOne();
        }
        if (pr.match() < r.raftLog.lastIndex()) {
            r.sendAppend(m.getFrom());
        }
        if (r.readOnly.option() != ReadOnlyOption.SAFE || m.getContext().isEmpty()) {
            return;
        }
        var acks = r.readOnly.recvAck(m.getFrom(), m.getContext());
        if (acks == null || r.prs.ackResult(acks) != Quorum.VoteResult.WON) {
            return;
        }
        for (ReadOnly.ReadIndexStatus rs : r.readOnly.advance(m.getContext())) {
            respondToReadIndex(rs.request, rs.index);
        }
    }

    private void snapStatus(Message m, Progress pr) {
        if (pr.state() != ProgressState.SNAPSHOT) {
            return;
        }
        if (m.getReject()) {
            // The snapshot failed: forget it and probe again (which will produce a new snapshot).
            pr.setPendingSnapshot(0);
            LOG.debug("{} snapshot failed, resumed sending replication messages to {} [{}]", r.id, m.getFrom(), pr);
        } else {
            LOG.debug("{} snapshot succeeded, resumed sending replication messages to {} [{}]", r.id, m.getFrom(), pr);
        }
        pr.becomeProbe();
        // Wait for the follower's append response (or the next heartbeat) before probing: the
        // snapshot may still be being applied there.
        pr.setProbeSent(true);
    }

    private void transferLeader(Message m, Progress pr) {
        if (pr.isLearner()) {
            LOG.debug("{} is learner. Ignored transferring leadership", m.getFrom());
            return;
        }
        long transferee = m.getFrom();
        long last = r.leadTransferee;
        if (last != Raft.NONE) {
            if (last == transferee) {
                LOG.info(
                        "{} [term {}] transfer leadership to {} is in progress, ignores request to same node",
                        r.id,
                        r.term(),
                        transferee);
                return;
            }
            r.abortLeaderTransfer();
            LOG.info("{} [term {}] abort previous transferring leadership to {}", r.id, r.term(), last);
        }
        if (transferee == r.id) {
            LOG.debug("{} is already leader. Ignored transferring leadership to self", r.id);
            return;
        }
        LOG.info("{} [term {}] starts to transfer leadership to {}", r.id, r.term(), transferee);
        // The transfer must finish within an election timeout or it is aborted (see tickHeartbeat).
        r.electionElapsed = 0;
        r.leadTransferee = transferee;
        if (pr.match() == r.raftLog.lastIndex()) {
            r.sendTimeoutNow(transferee);
            LOG.info("{} sends MsgTimeoutNow to {} immediately as it already has up-to-date log", r.id, transferee);
        } else {
            r.sendAppend(transferee);
        }
    }
}
