package io.tinykv.raft.sim;

import com.google.protobuf.ByteString;
import io.tinykv.proto.Eraftpb.ConfChange;
import io.tinykv.proto.Eraftpb.ConfChangeType;
import io.tinykv.proto.Eraftpb.ConfState;
import io.tinykv.proto.Eraftpb.Entry;
import io.tinykv.raft.CommitBroadcast;
import io.tinykv.raft.ProposalDroppedException;
import io.tinykv.raft.RaftConfig;
import io.tinykv.raft.ReadOnlyOption;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Optional;
import java.util.Set;
import java.util.SplittableRandom;
import java.util.random.RandomGenerator;
import java.util.stream.LongStream;

/**
 * One seeded run: a fault phase in which the network misbehaves, nodes crash and restart, logs are
 * compacted, membership changes and leadership moves while clients propose and issue ReadIndex reads; then a liveness phase in which every fault is
 * healed and the cluster must elect a leader and commit a fresh proposal (and, with check-quorum or
 * pre-vote, bring every member up to it) within {@link #LIVENESS_BOUND_TICKS}. The {@link SafetyChecker} runs after every Ready throughout.
 *
 * <p>Everything, including the Raft configuration, derives from the seed, so a seed replays exactly.
 */
public final class RandomRun {
    static final int ELECTION_TICKS = 10;
    static final int HEARTBEAT_TICKS = 1;
    static final int DEFAULT_FAULT_TICKS = 80;
    /**
     * Ticks after healing within which a leader must be elected, a proposal committed and applied by
     * every member. Generous on purpose: several election rounds (randomized timeouts up to twice the
     * election timeout, split votes, an unfinished leader transfer timing out) plus snapshot catch-up.
     */
    static final int LIVENESS_BOUND_TICKS = 30 * ELECTION_TICKS;

    private static final int MIN_VOTERS = 3;
    private static final int MAX_MEMBERS = 7;
    private static final long SMALL_MSG_BYTES = 64;
    private static final long LARGE_MSG_BYTES = 1 << 20;
    private static final int SMALL_INFLIGHT = 2;
    private static final int LARGE_INFLIGHT = 256;
    private static final int COMPACTION_KEEP_ENTRIES = 2;

    // Per-tick probabilities of each kind of event during the fault phase.
    private static final double CHANGE_NETWORK_FAULTS = 0.08;
    private static final double CRASH_A_NODE = 0.02;
    private static final double RESTART_A_NODE = 0.15;
    private static final double PROPOSE = 0.5;
    private static final double CHANGE_MEMBERSHIP = 0.04;
    private static final double TRANSFER_LEADERSHIP = 0.02;
    private static final double COMPACT_A_LOG = 0.08;
    private static final double READ_INDEX = 0.1;
    private static final double SKIP_A_NODE_TICK = 0.1;

    private final SimCluster cluster;
    private final RandomGenerator random;
    private final int faultTicks;
    private final int initialVoters;
    /**
     * Whether every member must also catch up after healing. Only with check-quorum or pre-vote: without
     * both, a node stuck at a higher term ignores a lower-term leader's appends (as etcd does), and if
     * its stale configuration does not contain the current voters its vote requests never reach them,
     * so nothing ever tells the leader. Raft still promises a leader and commits, checked always.
     */
    private final boolean requireEveryMemberCatchesUp;

    private long nextNodeId;
    private long nextProposal;
    private long nextRead;
    private int crashes;
    private int partitions;
    private int transfers;

    private RandomRun(long seed, int faultTicks, SimCluster.Trace trace) {
        RandomGenerator configRandom = new SplittableRandom(~seed);
        this.initialVoters = configRandom.nextBoolean() ? 3 : 5;
        RaftConfig template = randomConfigTemplate(configRandom);
        this.requireEveryMemberCatchesUp = template.checkQuorum() || template.preVote();
        trace.line("seed " + seed + ": " + initialVoters + " voters, " + template);
        List<Long> voters = LongStream.rangeClosed(1, initialVoters).boxed().toList();
        this.cluster = new SimCluster(seed, voters, id -> withId(template, id), trace);
        this.random = cluster.random();
        this.faultTicks = faultTicks;
        this.nextNodeId = initialVoters + 1;
    }

    public static RunStats run(long seed) {
        return run(seed, DEFAULT_FAULT_TICKS, SimCluster.Trace.OFF);
    }

    public static RunStats run(long seed, int faultTicks, SimCluster.Trace trace) {
        return new RandomRun(seed, faultTicks, trace).execute();
    }

    private static RaftConfig randomConfigTemplate(RandomGenerator r) {
        return new RaftConfig(
                1,
                ELECTION_TICKS,
                HEARTBEAT_TICKS,
                0,
                r.nextBoolean() ? SMALL_MSG_BYTES : LARGE_MSG_BYTES,
                r.nextBoolean() ? SMALL_INFLIGHT : LARGE_INFLIGHT,
                0,
                r.nextBoolean(),
                r.nextBoolean(),
                ReadOnlyOption.SAFE,
                // Drawn last, so the other settings of a seed are what they were before this one existed.
                r.nextBoolean() ? CommitBroadcast.EAGER : CommitBroadcast.WITH_NEXT_MESSAGE);
    }

    private static RaftConfig withId(RaftConfig c, long id) {
        return new RaftConfig(
                id,
                c.electionTicks(),
                c.heartbeatTicks(),
                c.appliedIndex(),
                c.maxSizePerMsgBytes(),
                c.maxInflightMsgs(),
                c.maxUncommittedEntriesBytes(),
                c.checkQuorum(),
                c.preVote(),
                c.readOnlyOption(),
                c.commitBroadcast());
    }

    private RunStats execute() {
        for (int t = 0; t < faultTicks; t++) {
            faultStep();
        }
        int ticksToRecover = heal();
        return new RunStats(
                cluster.seed(),
                initialVoters,
                cluster.checker().maxCommitIndex(),
                crashes,
                partitions,
                cluster.snapshotsInstalled(),
                cluster.confChangesApplied(),
                transfers,
                cluster.readsAnswered(),
                ticksToRecover);
    }

    private void faultStep() {
        if (chance(CHANGE_NETWORK_FAULTS)) {
            changeNetworkFaults();
        }
        if (chance(CRASH_A_NODE)) {
            List<SimNode> up = cluster.upNodes();
            if (up.size() > 1) {
                cluster.crash(pick(up).id());
                crashes++;
            }
        }
        if (chance(RESTART_A_NODE)) {
            List<SimNode> down = cluster.nodes().stream().filter(n -> !n.isUp()).toList();
            if (!down.isEmpty()) {
                cluster.restart(pick(down).id());
            }
        }
        if (chance(PROPOSE)) {
            List<SimNode> up = cluster.upNodes();
            propose(pick(up), ByteString.copyFromUtf8("p" + nextProposal++));
        }
        if (chance(CHANGE_MEMBERSHIP)) {
            changeMembership();
        }
        if (chance(TRANSFER_LEADERSHIP)) {
            transferLeadership();
        }
        if (chance(READ_INDEX)) {
            ByteString ctx = ByteString.copyFromUtf8("read-" + nextRead++);
            cluster.checker().readIssued(ctx);
            try {
                pick(cluster.upNodes()).raft().readIndex(ctx);
            } catch (ProposalDroppedException e) {
                // No leader to ask: the read is simply not answered.
            }
        }
        if (chance(COMPACT_A_LOG)) {
            pick(cluster.upNodes()).compact(COMPACTION_KEEP_ENTRIES);
        }
        List<SimNode> ticking = new ArrayList<>();
        for (SimNode node : cluster.upNodes()) {
            // Skipped ticks model clocks running at slightly different speeds.
            if (!chance(SKIP_A_NODE_TICK)) {
                ticking.add(node);
            }
        }
        cluster.tick(ticking);
    }

    private void changeNetworkFaults() {
        List<Filter> filters = new ArrayList<>();
        if (chance(0.4)) {
            filters.add(new Filter.Drop(0.05 + 0.25 * random.nextDouble()));
        }
        if (chance(0.2)) {
            filters.add(new Filter.Duplicate(0.1));
        }
        if (chance(0.3)) {
            filters.add(new Filter.Delay(1 + random.nextInt(3)));
        }
        if (chance(0.35)) {
            Set<Long> side = new HashSet<>();
            for (SimNode node : cluster.nodes()) {
                if (random.nextBoolean()) {
                    side.add(node.id());
                }
            }
            filters.add(new Filter.Partition(side));
            partitions++;
        }
        cluster.trace().event(() -> "t" + cluster.nowTicks() + " network faults " + filters);
        cluster.network().setFilters(filters);
    }

    private boolean propose(SimNode node, ByteString data) {
        try {
            node.raft().propose(data);
            cluster.trace()
                    .event(() -> "t" + cluster.nowTicks() + " node " + node.id() + " proposed " + data.toStringUtf8());
            return true;
        } catch (ProposalDroppedException e) {
            return false;
        }
    }

    /**
     * Proposes one membership change through a leader that has applied its whole log, so that the
     * configuration it shows is the latest one and the change is valid against it. Ids are never reused.
     */
    private void changeMembership() {
        Optional<SimNode> maybeLeader = cluster.leader();
        if (maybeLeader.isEmpty()) {
            return;
        }
        SimNode leader = maybeLeader.get();
        if (leader.hasReady()
                || leader.applied().appliedIndex() != leader.disk().lastIndex()) {
            return;
        }
        ConfState conf = leader.applied().confState();
        int members = conf.getVotersCount() + conf.getLearnersCount();
        List<ConfChange> options = new ArrayList<>();
        if (members < MAX_MEMBERS) {
            options.add(change(ConfChangeType.AddNode, nextNodeId));
            options.add(change(ConfChangeType.AddLearnerNode, nextNodeId));
        }
        for (long learner : conf.getLearnersList()) {
            options.add(change(ConfChangeType.AddNode, learner));
            options.add(change(ConfChangeType.RemoveNode, learner));
        }
        if (conf.getVotersCount() > MIN_VOTERS) {
            for (long voter : conf.getVotersList()) {
                options.add(change(ConfChangeType.RemoveNode, voter));
            }
        }
        if (options.isEmpty()) {
            return;
        }
        ConfChange cc = options.get(random.nextInt(options.size()));
        if (cc.getNodeId() == nextNodeId) {
            cluster.addEmptyNode(nextNodeId++);
        }
        try {
            leader.raft().proposeConfChange(cc);
            cluster.trace()
                    .event(() -> "t" + cluster.nowTicks() + " node " + leader.id() + " proposed " + cc.getChangeType()
                            + " " + cc.getNodeId());
        } catch (ProposalDroppedException e) {
            // Another change is pending or a transfer is under way: fine, try again later.
        }
    }

    private static ConfChange change(ConfChangeType type, long nodeId) {
        return ConfChange.newBuilder().setChangeType(type).setNodeId(nodeId).build();
    }

    private void transferLeadership() {
        cluster.leader().ifPresent(leader -> {
            List<Long> voters = leader.applied().confState().getVotersList();
            long target = voters.get(random.nextInt(voters.size()));
            cluster.trace()
                    .event(() -> "t" + cluster.nowTicks() + " transfer leadership " + leader.id() + " -> " + target);
            leader.raft().transferLeader(target);
            transfers++;
        });
    }

    /**
     * Heals every fault and checks liveness. Removed nodes are shut down for good first: a real store
     * destroys a peer once its removal is committed, and a removed node that never learnt of it may
     * otherwise disrupt elections forever (without pre-vote), which is outside what Raft promises.
     * Returns how many ticks recovery took.
     */
    private int heal() {
        cluster.network().heal();
        cluster.trace().event(() -> "t" + cluster.nowTicks() + " heal");
        for (SimNode node : cluster.nodes()) {
            boolean removed = cluster.removedNodes().contains(node.id());
            if (removed && node.isUp()) {
                cluster.crash(node.id());
            } else if (!removed && !node.isUp()) {
                cluster.restart(node.id());
            }
        }
        ByteString marker = ByteString.copyFromUtf8("liveness-" + cluster.seed());
        long proposedAtTerm = -1;
        long proposedTo = 0;
        long markerIndex = 0;
        long scannedUpTo = 0;
        for (int t = 1; t <= LIVENESS_BOUND_TICKS; t++) {
            Optional<SimNode> leader =
                    cluster.leader().filter(l -> !cluster.removedNodes().contains(l.id()));
            if (markerIndex == 0 && leader.isPresent()) {
                SimNode l = leader.get();
                // Re-propose whenever leadership moved since the last attempt: that proposal may be lost.
                if ((l.id() != proposedTo || l.durableHardState().getTerm() != proposedAtTerm) && propose(l, marker)) {
                    proposedTo = l.id();
                    proposedAtTerm = l.durableHardState().getTerm();
                }
            }
            cluster.tick(cluster.upNodes());
            if (markerIndex == 0) {
                for (long i = Math.max(scannedUpTo + 1, 1);
                        i <= cluster.checker().maxCommitIndex();
                        i++) {
                    Entry e = cluster.checker().committedEntry(i);
                    if (e != null && e.getData().equals(marker)) {
                        markerIndex = i;
                        break;
                    }
                }
                scannedUpTo = markerIndex == 0 ? cluster.checker().maxCommitIndex() : scannedUpTo;
            }
            if (markerIndex != 0 && (!requireEveryMemberCatchesUp || allMembersApplied(markerIndex))) {
                return t;
            }
        }
        throw new LivenessViolation(livenessReport(markerIndex));
    }

    private boolean allMembersApplied(long index) {
        Optional<SimNode> leader = cluster.leader();
        if (leader.isEmpty()) {
            return false;
        }
        ConfState conf = leader.get().applied().confState();
        for (SimNode node : cluster.upNodes()) {
            boolean member = conf.getVotersList().contains(node.id())
                    || conf.getLearnersList().contains(node.id());
            if (member && node.applied().appliedIndex() < index) {
                return false;
            }
        }
        return true;
    }

    private String livenessReport(long markerIndex) {
        StringBuilder sb = new StringBuilder("no progress within " + LIVENESS_BOUND_TICKS + " ticks after healing: ");
        sb.append(
                markerIndex == 0
                        ? "the liveness proposal never committed"
                        : "committed at " + markerIndex + " but not applied by every member");
        for (SimNode node : cluster.nodes()) {
            sb.append("\n  ").append(node);
            if (node.isUp()) {
                sb.append(" lead ")
                        .append(node.leaderId())
                        .append(" applied ")
                        .append(node.applied().appliedIndex())
                        .append(" last ")
                        .append(node.disk().lastIndex())
                        .append(" conf ")
                        .append(Describe.confState(node.applied().confState()));
            }
            if (cluster.removedNodes().contains(node.id())) {
                sb.append(" (removed)");
            }
        }
        return sb.toString();
    }

    private boolean chance(double probability) {
        return random.nextDouble() < probability;
    }

    private <T> T pick(List<T> items) {
        return items.get(random.nextInt(items.size()));
    }
}
