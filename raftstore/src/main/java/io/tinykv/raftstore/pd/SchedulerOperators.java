package io.tinykv.raftstore.pd;

import io.tinykv.proto.Eraftpb.ConfChangeType;
import io.tinykv.proto.Metapb;
import io.tinykv.proto.Pdpb;
import io.tinykv.proto.RaftCmdpb.AdminCmdType;
import io.tinykv.proto.RaftCmdpb.AdminRequest;
import io.tinykv.proto.RaftCmdpb.ChangePeerRequest;
import io.tinykv.proto.RaftCmdpb.RaftCmdRequest;
import io.tinykv.proto.RaftCmdpb.RaftRequestHeader;
import io.tinykv.raft.ProgressView;
import io.tinykv.raft.StateRole;
import io.tinykv.raft.Status;
import io.tinykv.raftstore.Callback;
import io.tinykv.raftstore.Regions;
import io.tinykv.raftstore.peer.Peer;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Carries out the scheduler's operators (from region heartbeat responses) on a region's leader.
 *
 * <p>The scheduler re-sends an operator until the region it hears about shows it done, so this
 * side is idempotent and drops whatever it should not do now: a peer that is not the leader, or a
 * response whose region epoch differs from the leader's (older: planned on a region that has
 * changed since; newer: this leader has not applied what the scheduler already saw, it is likely
 * deposed) does nothing. An operator already carried out (adding a member — a learner asked to be
 * added again, or a voter asked to be added or made a learner —, removing a non-member,
 * moving leadership to the leader itself) is answered by doing nothing, without touching the log.
 * So is one still in progress: a conf change while one is proposed and not yet applied (Raft would
 * drop a second one anyway), a leadership transfer to the peer already being transferred to (Raft
 * ignores it). The scheduler pushes a step when it creates the operator and again while it is not
 * done, and also answers heartbeats with it, so each step typically arrives more than once.
 *
 * <p>Asked to remove itself, the leader <b>transfers its leadership</b> to its most up-to-date
 * follower instead: a leader cannot safely count itself out of the quorum that commits its own
 * removal. The scheduler's next attempt reaches the new leader, which removes the old one.
 */
public final class SchedulerOperators {

    private static final Logger LOG = LoggerFactory.getLogger(SchedulerOperators.class);

    private SchedulerOperators() {}

    /** What {@link #handle} did with an operator. */
    enum Outcome {
        /** The peer is not the leader. */
        NOT_LEADER,
        /** The response's epoch is not the leader's. */
        EPOCH_MISMATCH,
        /** Nothing to do: the response carries no operator, or it is already done. */
        ALREADY_DONE,
        /** The operator cannot be done (a peer without store, a second peer on a store, a non-voter target). */
        REFUSED,
        /** A conf change is proposed and not yet applied: nothing more is proposed until it is. */
        IN_PROGRESS,
        /** A conf change was proposed (it is done once applied). */
        PROPOSED,
        /** Leadership transfer started (to the operator's target, or away from a leader to be removed). */
        TRANSFERRING_LEADER,
    }

    public static Outcome handle(Peer peer, Pdpb.RegionHeartbeatResponse response) {
        Status status = peer.raftNode().status();
        if (status.softState().role() != StateRole.LEADER) {
            LOG.debug("{}: not the leader, ignoring the scheduler's operator", peer);
            return Outcome.NOT_LEADER;
        }
        Metapb.Region region = peer.region();
        if (!response.getRegionEpoch().equals(region.getRegionEpoch())) {
            // Routine: a step pushed again after the leader carried it out, or planned before a change.
            LOG.debug(
                    "{}: ignoring an operator for region epoch {}, the region is at {}",
                    peer,
                    Regions.describe(response.getRegionEpoch()),
                    Regions.describe(region.getRegionEpoch()));
            return Outcome.EPOCH_MISMATCH;
        }
        if (response.hasChangePeer()) {
            return changePeer(peer, status, region, response.getChangePeer());
        }
        if (response.hasTransferLeader()) {
            return transferLeader(peer, region, response.getTransferLeader().getPeer());
        }
        return Outcome.ALREADY_DONE;
    }

    private static Outcome changePeer(Peer peer, Status status, Metapb.Region region, Pdpb.ChangePeer change) {
        Metapb.Peer target = change.getPeer();
        Metapb.Peer existing = Regions.findPeer(region, target.getId());
        boolean member = existing != null;
        switch (change.getChangeType()) {
            case AddNode, AddLearnerNode -> {
                if (member && change.getChangeType() == ConfChangeType.AddNode && Regions.isLearner(existing)) {
                    // Promotion of a learner that has caught up.
                    break;
                }
                if (member) {
                    // A learner asked again, a voter asked again, or asked to be a learner: a voter is
                    // never demoted, so each is done as far as this side goes.
                    return Outcome.ALREADY_DONE;
                }
                if (target.getId() == 0 || target.getStoreId() == 0) {
                    LOG.warn("{}: refusing to add peer {} without id or store", peer, target);
                    return Outcome.REFUSED;
                }
                Metapb.Peer onStore = Regions.findPeerOnStore(region, target.getStoreId());
                if (onStore != null) {
                    LOG.warn(
                            "{}: refusing to add peer {}: store {} already has peer {}",
                            peer,
                            target.getId(),
                            target.getStoreId(),
                            onStore.getId());
                    return Outcome.REFUSED;
                }
            }
            case RemoveNode -> {
                if (!member) {
                    return Outcome.ALREADY_DONE;
                }
                if (target.getId() == peer.meta().getId()) {
                    return transferAwayBeforeRemoval(peer, status, region);
                }
            }
            default -> {
                LOG.warn("{}: refusing conf change {} from the scheduler", peer, change.getChangeType());
                return Outcome.REFUSED;
            }
        }
        if (peer.raftNode().hasPendingConfChange()) {
            LOG.debug(
                    "{}: a conf change is in progress, not proposing {} of peer {} again",
                    peer,
                    change.getChangeType(),
                    target.getId());
            return Outcome.IN_PROGRESS;
        }
        RaftCmdRequest request = RaftCmdRequest.newBuilder()
                .setHeader(RaftRequestHeader.newBuilder()
                        .setRegionId(region.getId())
                        .setPeer(peer.meta())
                        .setRegionEpoch(region.getRegionEpoch())
                        .setTerm(status.hardState().getTerm()))
                .setAdminRequest(AdminRequest.newBuilder()
                        .setCmdType(AdminCmdType.ChangePeer)
                        .setChangePeer(ChangePeerRequest.newBuilder()
                                .setChangeType(change.getChangeType())
                                .setPeer(target)))
                .build();
        LOG.info(
                "{}: proposing {} of peer {} on store {} for the scheduler",
                peer,
                change.getChangeType(),
                target.getId(),
                target.getStoreId());
        peer.handleCommand(request, new Callback(request, result -> {
            if (result.isError()) {
                // The scheduler sees the region unchanged and asks again.
                LOG.info(
                        "{}: the scheduler's {} of peer {} failed: {}",
                        peer,
                        change.getChangeType(),
                        target.getId(),
                        result.response().getHeader().getError().getMessage());
            }
        }));
        return Outcome.PROPOSED;
    }

    private static Outcome transferLeader(Peer peer, Metapb.Region region, Metapb.Peer target) {
        if (target.getId() == peer.meta().getId()) {
            return Outcome.ALREADY_DONE;
        }
        Metapb.Peer member = Regions.findPeer(region, target.getId());
        if (member == null || Regions.isLearner(member)) {
            LOG.warn(
                    "{}: refusing to transfer leadership to peer {}, {}",
                    peer,
                    target.getId(),
                    member == null ? "not a member" : "a learner");
            return Outcome.REFUSED;
        }
        LOG.info("{}: transferring leadership to peer {} for the scheduler", peer, target.getId());
        peer.raftNode().transferLeader(target.getId());
        return Outcome.TRANSFERRING_LEADER;
    }

    /**
     * Hands leadership to the voter with the highest match index among those heard from within
     * an election timeout (ties: the lowest id), so that the transfer can finish.
     */
    private static Outcome transferAwayBeforeRemoval(Peer peer, Status status, Metapb.Region region) {
        long self = peer.meta().getId();
        long best = 0;
        long bestMatch = -1;
        for (Metapb.Peer p : region.getPeersList()) {
            ProgressView pr = status.progress().get(p.getId());
            if (p.getId() == self
                    || pr == null
                    || Regions.isLearner(p)
                    || peer.heartbeats().silentTicks(p.getId()) > peer.config().electionTicks()) {
                continue;
            }
            if (pr.match() > bestMatch || (pr.match() == bestMatch && p.getId() < best)) {
                best = p.getId();
                bestMatch = pr.match();
            }
        }
        if (best == 0) {
            LOG.warn("{}: asked to remove itself, but no follower is active to take over leadership", peer);
            return Outcome.REFUSED;
        }
        LOG.info("{}: asked to remove itself; transferring leadership to peer {} first", peer, best);
        peer.raftNode().transferLeader(best);
        return Outcome.TRANSFERRING_LEADER;
    }
}
