package io.tinykv.raft;

import io.tinykv.proto.Eraftpb.Message;
import io.tinykv.proto.Eraftpb.MessageType;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/** How followers, pre-candidates and candidates handle messages of their term (and local ones). */
final class FollowerStep {
    private static final Logger LOG = LoggerFactory.getLogger(FollowerStep.class);

    private final Raft r;

    FollowerStep(Raft raft) {
        this.r = raft;
    }

    void step(Message m) {
        if (r.state() == StateRole.FOLLOWER) {
            stepFollower(m);
        } else {
            stepCandidate(m);
        }
    }

    private void stepCandidate(Message m) {
        MessageType myVoteResp = r.state() == StateRole.PRE_CANDIDATE
                ? MessageType.MsgRequestPreVoteResponse
                : MessageType.MsgRequestVoteResponse;
        switch (m.getMsgType()) {
            case MsgPropose ->
                throw new ProposalDroppedException(
                        "no leader at term " + r.term() + " (node " + r.id + " is campaigning); proposal dropped");
            case MsgReadIndex ->
                throw new ProposalDroppedException(
                        "no leader at term " + r.term() + " (node " + r.id + " is campaigning); read index dropped");
            case MsgAppend -> {
                // Somebody else won this term.
                r.becomeFollower(m.getTerm(), m.getFrom());
                r.handleAppendEntries(m);
            }
            case MsgHeartbeat -> {
                r.becomeFollower(m.getTerm(), m.getFrom());
                r.handleHeartbeat(m);
            }
            case MsgSnapshot -> {
                r.becomeFollower(m.getTerm(), m.getFrom());
                r.handleSnapshot(m);
            }
            case MsgTimeoutNow ->
                LOG.debug(
                        "{} [term {} state {}] ignored MsgTimeoutNow from {}", r.id, r.term(), r.state(), m.getFrom());
            default -> {
                if (m.getMsgType() == myVoteResp) {
                    switch (r.poll(m.getFrom(), m.getMsgType(), !m.getReject())) {
                        case WON -> {
                            if (r.state() == StateRole.PRE_CANDIDATE) {
                                r.campaign(Raft.CampaignType.ELECTION);
                            } else {
                                r.becomeLeader();
                                r.bcastAppend();
                            }
                        }
                        case LOST -> r.becomeFollower(r.term(), Raft.NONE);
                        case PENDING -> {
                            // keep waiting
                        }
                    }
                }
            }
        }
    }

    private void stepFollower(Message m) {
        switch (m.getMsgType()) {
            case MsgPropose -> {
                if (r.lead() == Raft.NONE) {
                    throw new ProposalDroppedException(
                            "no leader at term " + r.term() + " (node " + r.id + " is follower); proposal dropped");
                }
                r.send(m.toBuilder().setTo(r.lead()).setTerm(0));
            }
            case MsgAppend -> {
                r.electionElapsed = 0;
                r.setLead(m.getFrom());
                r.handleAppendEntries(m);
            }
            case MsgHeartbeat -> {
                r.electionElapsed = 0;
                r.setLead(m.getFrom());
                r.handleHeartbeat(m);
            }
            case MsgSnapshot -> {
                r.electionElapsed = 0;
                r.setLead(m.getFrom());
                r.handleSnapshot(m);
            }
            case MsgTransferLeader -> {
                if (r.lead() == Raft.NONE) {
                    LOG.info("{} no leader at term {}; dropping leader transfer msg", r.id, r.term());
                    return;
                }
                r.send(m.toBuilder().setTo(r.lead()).setTerm(0));
            }
            case MsgTimeoutNow -> {
                // The leader asks us to take over: campaign at once, skipping pre-vote and leases.
                LOG.info(
                        "{} [term {}] received MsgTimeoutNow from {} and starts an election to get leadership",
                        r.id,
                        r.term(),
                        m.getFrom());
                r.hup(Raft.CampaignType.TRANSFER);
            }
            case MsgReadIndex -> {
                if (r.lead() == Raft.NONE) {
                    throw new ProposalDroppedException(
                            "no leader at term " + r.term() + " (node " + r.id + " is follower); read index dropped");
                }
                r.send(m.toBuilder().setTo(r.lead()).setTerm(0));
            }
            case MsgReadIndexResp -> {
                if (m.getEntriesCount() != 1) {
                    LOG.warn(
                            "{} invalid format of MsgReadIndexResp from {}, entries count: {}",
                            r.id,
                            m.getFrom(),
                            m.getEntriesCount());
                    return;
                }
                r.readStates.add(new ReadState(m.getIndex(), m.getEntries(0).getData()));
            }
            default -> LOG.debug("{} follower ignores {} from {}", r.id, m.getMsgType(), m.getFrom());
        }
    }
}
