package io.tinykv.raftstore.sim;

import static org.assertj.core.api.Assertions.assertThat;

import io.tinykv.proto.Eraftpb.ConfChangeType;
import io.tinykv.proto.Eraftpb.MessageType;
import io.tinykv.proto.Metapb;
import io.tinykv.proto.RaftCmdpb.RaftCmdRequest;
import io.tinykv.raftstore.CmdResult;
import io.tinykv.raftstore.RaftStore;
import java.util.concurrent.atomic.AtomicLong;
import org.junit.jupiter.api.Test;

/**
 * Replicas are added as learners and promoted once caught up (what the scheduler does): a learner
 * waiting for its snapshot costs the region no availability, and roles survive a restart.
 *
 * <p>The case found by a loaded nemesis run: a 1-voter region that gets a second <em>voter</em>
 * needs both for a quorum while the new one has no data, and stalls (its leader even steps down
 * by check-quorum) until the snapshot is delivered and applied. Here the snapshot is held back by
 * the simulated network, so the window is as long as the test wants.
 */
class LearnerSimTest {

    private static final long TIMEOUT_MS = 20_000;
    /** Long enough for several election timeouts and check-quorum rounds to pass. */
    private static final long WINDOW_MS = 3_000;
    /** Peer ids for added replicas: fresh ids, as a scheduler allocates them. */
    private static final long NEW_PEER_ID_BASE = 100;

    private static Metapb.Peer peer(long id, long storeId) {
        return Metapb.Peer.newBuilder().setId(id).setStoreId(storeId).build();
    }

    private static Metapb.Peer learner(long id, long storeId) {
        return peer(id, storeId).toBuilder().setRole(Metapb.PeerRole.Learner).build();
    }

    private static Metapb.PeerRole roleOf(Metapb.Region region, long peerId) {
        return region.getPeersList().stream()
                .filter(p -> p.getId() == peerId)
                .findFirst()
                .orElseThrow()
                .getRole();
    }

    /** One write on the current leader, one attempt: it must succeed. */
    private static void writeOnce(SimCluster cluster, SimCommands commands, String key) {
        long leader = cluster.awaitLeader(TIMEOUT_MS);
        CmdResult result = commands.call(
                leader,
                RaftCmdRequest.newBuilder()
                        .setHeader(commands.header(leader))
                        .addRequests(SimCommands.put(key, "v"))
                        .build(),
                SimCommands.ATTEMPT_TIMEOUT_MS);
        assertThat(result)
                .as("write %s answered within %d ms: %s", key, SimCommands.ATTEMPT_TIMEOUT_MS, cluster.describeStores())
                .isNotNull();
        assertThat(result.isError()).as("write %s: %s", key, result.response()).isFalse();
    }

    /** Shrinks the bootstrap region (a voter on each store) to the one voter on store 1. */
    private static void shrinkToOneVoter(SimCluster cluster, SimCommands commands) {
        commands.transferLeader(1, TIMEOUT_MS);
        for (long storeId : cluster.storeIds()) {
            if (storeId != 1) {
                commands.changePeer(ConfChangeType.RemoveNode, peer(storeId, storeId), TIMEOUT_MS);
            }
        }
        assertThat(cluster.memberStores()).containsExactly(1L);
    }

    @Test
    void aLearnerWaitingForItsSnapshotCostsNoAvailabilityThenIsPromotedAndReplacesTheFirstVoter() {
        try (SimCluster cluster =
                new SimCluster(3, 31, SimCluster.defaultConfig().withRaftLogGcCountLimit(10))) {
            cluster.start();
            SimCommands commands = new SimCommands(cluster);
            shrinkToOneVoter(cluster, commands);
            for (int i = 0; i < 30; i++) {
                commands.onLeader(SimCommands.put("before" + i, "v"), TIMEOUT_MS);
            }
            // Snapshots to store 2 are held back: the learner stays without data as long as we like.
            AtomicLong heldSnapshots = new AtomicLong();
            cluster.network().addFilter((from, to, m) -> {
                if (to == 2 && m.getMessage().getMsgType() == MessageType.MsgSnapshot) {
                    heldSnapshots.incrementAndGet();
                    return false;
                }
                return true;
            });
            long confVer = cluster.region().getRegionEpoch().getConfVer();
            Metapb.Peer learner2 = learner(NEW_PEER_ID_BASE + 2, 2);
            commands.changePeer(ConfChangeType.AddLearnerNode, learner2, TIMEOUT_MS);
            assertThat(cluster.region().getRegionEpoch().getConfVer()).isEqualTo(confVer + 1);
            assertThat(roleOf(cluster.region(), learner2.getId())).isEqualTo(Metapb.PeerRole.Learner);
            RaftStore.RegionStatus leaderBefore = cluster.store(1).raftStore().regionStatus(SimCluster.REGION_ID);

            // The window: every write commits at once on the one voter, for several election timeouts.
            long windowEnd = cluster.loop().nowMs() + WINDOW_MS;
            int writes = 0;
            while (cluster.loop().nowMs() < windowEnd) {
                writeOnce(cluster, commands, "during" + writes++);
                cluster.loop().runFor(100);
            }
            assertThat(heldSnapshots.get())
                    .as("the learner asked for a snapshot and it was held")
                    .isPositive();
            assertThat(cluster.dataOf(2)).as("the learner has no data yet").isEmpty();
            RaftStore.RegionStatus leaderAfter = cluster.store(1).raftStore().regionStatus(SimCluster.REGION_ID);
            assertThat(leaderAfter.leader()).as("check-quorum kept the leader").isTrue();
            assertThat(leaderAfter.term()).isEqualTo(leaderBefore.term());

            // Delivered: the learner catches up, then votes.
            cluster.network().clearFilters();
            assertThat(cluster.awaitConverged(TIMEOUT_MS))
                    .as(String.join("; ", cluster.describeStores()))
                    .isTrue();
            assertThat(cluster.dataOf(2)).isEqualTo(cluster.dataOf(1)).hasSize(30 + writes);
            commands.changePeer(ConfChangeType.AddNode, learner2, TIMEOUT_MS);
            assertThat(roleOf(cluster.region(), learner2.getId())).isEqualTo(Metapb.PeerRole.Voter);
            assertThat(cluster.region().getRegionEpoch().getConfVer()).isEqualTo(confVer + 2);
            Metapb.Peer learner3 = learner(NEW_PEER_ID_BASE + 3, 3);
            commands.changePeer(ConfChangeType.AddLearnerNode, learner3, TIMEOUT_MS);
            assertThat(cluster.awaitConverged(TIMEOUT_MS)).isTrue();
            commands.changePeer(ConfChangeType.AddNode, learner3, TIMEOUT_MS);
            assertThat(cluster.region().getPeersList())
                    .allMatch(p -> p.getRole() == Metapb.PeerRole.Voter)
                    .hasSize(3);
            assertThat(cluster.region().getRegionEpoch().getConfVer()).isEqualTo(confVer + 4);

            // Three voters: the region survives losing the first one.
            cluster.crash(1);
            long leader = cluster.awaitLeader(TIMEOUT_MS);
            assertThat(leader).isIn(2L, 3L);
            commands.onLeader(SimCommands.put("after", "v"), TIMEOUT_MS);
            assertThat(cluster.awaitConverged(TIMEOUT_MS)).isTrue();
            assertThat(cluster.dataOf(2)).isEqualTo(cluster.dataOf(3)).hasSize(30 + writes + 1);
        }
    }

    /** The hazard learners avoid, shown with the same held snapshot: a voter added without its data stalls the region. */
    @Test
    void aVoterAddedWhileItsSnapshotIsHeldStallsTheRegion() {
        try (SimCluster cluster = new SimCluster(3, 34, SimCluster.defaultConfig())) {
            cluster.start();
            SimCommands commands = new SimCommands(cluster);
            shrinkToOneVoter(cluster, commands);
            commands.onLeader(SimCommands.put("before", "v"), TIMEOUT_MS);
            AtomicLong heldSnapshots = new AtomicLong();
            cluster.network().addFilter((from, to, m) -> {
                if (to == 2 && m.getMessage().getMsgType() == MessageType.MsgSnapshot) {
                    heldSnapshots.incrementAndGet();
                    return false;
                }
                return true;
            });
            commands.changePeer(ConfChangeType.AddNode, peer(NEW_PEER_ID_BASE + 2, 2), TIMEOUT_MS);

            long windowEnd = cluster.loop().nowMs() + WINDOW_MS;
            int answeredOk = 0;
            int attempts = 0;
            while (cluster.loop().nowMs() < windowEnd) {
                long leader = cluster.leaderStore();
                if (leader != 0) {
                    attempts++;
                    CmdResult r = commands.call(
                            leader,
                            RaftCmdRequest.newBuilder()
                                    .setHeader(commands.header(leader))
                                    .addRequests(SimCommands.put("during" + attempts, "v"))
                                    .build(),
                            SimCommands.ATTEMPT_TIMEOUT_MS);
                    if (r != null && !r.isError()) {
                        answeredOk++;
                    }
                }
                cluster.loop().runFor(100);
            }
            assertThat(heldSnapshots.get()).isPositive();
            assertThat(attempts).isPositive();
            assertThat(answeredOk).as("two voters, one without data: no quorum").isZero();

            cluster.network().clearFilters();
            commands.onLeader(SimCommands.put("after", "v"), TIMEOUT_MS);
        }
    }

    @Test
    void aRestartKeepsTheRolesAndALearnerNeverVotesNorLeads() {
        try (SimCluster cluster = new SimCluster(3, 32, SimCluster.defaultConfig())) {
            cluster.start();
            SimCommands commands = new SimCommands(cluster);
            shrinkToOneVoter(cluster, commands);
            commands.changePeer(ConfChangeType.AddLearnerNode, learner(NEW_PEER_ID_BASE + 2, 2), TIMEOUT_MS);
            commands.changePeer(ConfChangeType.AddLearnerNode, learner(NEW_PEER_ID_BASE + 3, 3), TIMEOUT_MS);
            commands.onLeader(SimCommands.put("k", "v"), TIMEOUT_MS);
            assertThat(cluster.awaitConverged(TIMEOUT_MS)).isTrue();

            for (long storeId : cluster.storeIds()) {
                cluster.crash(storeId);
            }
            for (long storeId : cluster.storeIds()) {
                cluster.restart(storeId);
            }
            assertThat(cluster.awaitLeader(TIMEOUT_MS)).isEqualTo(1);
            for (long storeId : cluster.storeIds()) {
                RaftStore.RegionStatus status =
                        cluster.store(storeId).raftStore().regionStatus(SimCluster.REGION_ID);
                assertThat(roleOf(status.region(), NEW_PEER_ID_BASE + 2))
                        .as("store %d", storeId)
                        .isEqualTo(Metapb.PeerRole.Learner);
                assertThat(roleOf(status.region(), NEW_PEER_ID_BASE + 3))
                        .as("store %d", storeId)
                        .isEqualTo(Metapb.PeerRole.Learner);
                assertThat(status.peer().getRole())
                        .as("store %d's own peer", storeId)
                        .isEqualTo(storeId == 1 ? Metapb.PeerRole.Voter : Metapb.PeerRole.Learner);
            }
            // The learners are outside the quorum: the voter commits alone...
            cluster.crash(2);
            cluster.crash(3);
            writeOnce(cluster, commands, "voter-alone");
            cluster.restart(2);
            cluster.restart(3);
            assertThat(cluster.awaitConverged(TIMEOUT_MS)).isTrue();
            // ...and without the voter, the two learners (a majority of three, were they voters)
            // elect nobody.
            long term = cluster.store(2)
                    .raftStore()
                    .regionStatus(SimCluster.REGION_ID)
                    .term();
            cluster.crash(1);
            cluster.loop().runFor(WINDOW_MS);
            assertThat(cluster.leaderStore())
                    .as(String.join("; ", cluster.describeStores()))
                    .isZero();
            assertThat(cluster.store(2)
                            .raftStore()
                            .regionStatus(SimCluster.REGION_ID)
                            .term())
                    .isEqualTo(term);
            assertThat(cluster.store(3)
                            .raftStore()
                            .regionStatus(SimCluster.REGION_ID)
                            .term())
                    .isEqualTo(term);
        }
    }

    @Test
    void aVoterIsNeverDemotedAndALearnerNeverLeads() {
        try (SimCluster cluster = new SimCluster(3, 33, SimCluster.defaultConfig())) {
            cluster.start();
            SimCommands commands = new SimCommands(cluster);
            shrinkToOneVoter(cluster, commands);
            commands.changePeer(ConfChangeType.AddLearnerNode, learner(NEW_PEER_ID_BASE + 2, 2), TIMEOUT_MS);
            assertThat(cluster.awaitConverged(TIMEOUT_MS)).isTrue();
            long confVer = cluster.region().getRegionEpoch().getConfVer();
            // Asked to make the voter a learner: refused at apply, nothing changes.
            CmdResult demote = commands.call(
                    1,
                    RaftCmdRequest.newBuilder()
                            .setHeader(commands.header(1))
                            .setAdminRequest(io.tinykv.proto.RaftCmdpb.AdminRequest.newBuilder()
                                    .setCmdType(io.tinykv.proto.RaftCmdpb.AdminCmdType.ChangePeer)
                                    .setChangePeer(io.tinykv.proto.RaftCmdpb.ChangePeerRequest.newBuilder()
                                            .setChangeType(ConfChangeType.AddLearnerNode)
                                            .setPeer(learner(1, 1))))
                            .build(),
                    TIMEOUT_MS);
            assertThat(demote.isError()).isTrue();
            assertThat(demote.response().getHeader().getError().getMessage()).contains("never made a learner");
            assertThat(cluster.region().getRegionEpoch().getConfVer()).isEqualTo(confVer);
            // Asked to hand leadership to the learner: refused.
            CmdResult transfer = commands.call(
                    1,
                    RaftCmdRequest.newBuilder()
                            .setHeader(commands.header(1))
                            .setAdminRequest(io.tinykv.proto.RaftCmdpb.AdminRequest.newBuilder()
                                    .setCmdType(io.tinykv.proto.RaftCmdpb.AdminCmdType.TransferLeader)
                                    .setTransferLeader(io.tinykv.proto.RaftCmdpb.TransferLeaderRequest.newBuilder()
                                            .setPeer(learner(NEW_PEER_ID_BASE + 2, 2))))
                            .build(),
                    TIMEOUT_MS);
            assertThat(transfer.isError()).isTrue();
            assertThat(transfer.response().getHeader().getError().getMessage()).contains("is a learner");
            cluster.loop().runFor(WINDOW_MS);
            assertThat(cluster.leaderStore()).isEqualTo(1);
            commands.onLeader(SimCommands.put("still", "writable"), TIMEOUT_MS);
        }
    }
}
