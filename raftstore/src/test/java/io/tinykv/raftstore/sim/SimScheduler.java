package io.tinykv.raftstore.sim;

import io.tinykv.proto.Eraftpb.ConfChangeType;
import io.tinykv.proto.Metapb;
import io.tinykv.proto.Pdpb;
import io.tinykv.proto.RegionEpochs;
import io.tinykv.raftstore.RaftStore;
import io.tinykv.raftstore.pd.SchedulerReporter;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Deque;
import java.util.List;
import java.util.Random;

/**
 * The scheduler as TinyKV's test harness plays it: it learns the region and its leader only from
 * region heartbeats (a heartbeat older than what it knows is ignored, as PD does), and works
 * through a plan of operators, sending the current one in the response to every heartbeat until a
 * heartbeat shows it done, so the stores see duplicates. Responses travel like messages: after a
 * network delay, and lost with the given probability.
 *
 * <p>It also checks, when a heartbeat arrives, that it comes from the region's leader and says
 * what that leader knows (region, term); any mismatch is recorded in {@link #violations}.
 */
final class SimScheduler implements SchedulerReporter {

    /** One step of the plan. */
    sealed interface Operator {
        /** Whether {@code region} led by {@code leader} shows the step done. */
        boolean doneIn(Metapb.Region region, Metapb.Peer leader);

        /** The response carrying this step, for a region at {@code epoch}. */
        Pdpb.RegionHeartbeatResponse response(long regionId, Metapb.RegionEpoch epoch);
    }

    record AddPeer(Metapb.Peer peer) implements Operator {
        @Override
        public boolean doneIn(Metapb.Region region, Metapb.Peer leader) {
            return region.getPeersList().stream().anyMatch(p -> p.getId() == peer.getId());
        }

        @Override
        public Pdpb.RegionHeartbeatResponse response(long regionId, Metapb.RegionEpoch epoch) {
            return changePeer(regionId, epoch, ConfChangeType.AddNode, peer);
        }
    }

    record RemovePeer(Metapb.Peer peer) implements Operator {
        @Override
        public boolean doneIn(Metapb.Region region, Metapb.Peer leader) {
            return region.getPeersList().stream().noneMatch(p -> p.getId() == peer.getId());
        }

        @Override
        public Pdpb.RegionHeartbeatResponse response(long regionId, Metapb.RegionEpoch epoch) {
            return changePeer(regionId, epoch, ConfChangeType.RemoveNode, peer);
        }
    }

    record TransferLeader(Metapb.Peer peer) implements Operator {
        @Override
        public boolean doneIn(Metapb.Region region, Metapb.Peer leader) {
            return leader.getId() == peer.getId();
        }

        @Override
        public Pdpb.RegionHeartbeatResponse response(long regionId, Metapb.RegionEpoch epoch) {
            return Pdpb.RegionHeartbeatResponse.newBuilder()
                    .setRegionId(regionId)
                    .setRegionEpoch(epoch)
                    .setTransferLeader(Pdpb.TransferLeader.newBuilder().setPeer(peer))
                    .build();
        }
    }

    static Pdpb.RegionHeartbeatResponse changePeer(
            long regionId, Metapb.RegionEpoch epoch, ConfChangeType type, Metapb.Peer peer) {
        return Pdpb.RegionHeartbeatResponse.newBuilder()
                .setRegionId(regionId)
                .setRegionEpoch(epoch)
                .setChangePeer(Pdpb.ChangePeer.newBuilder().setChangeType(type).setPeer(peer))
                .build();
    }

    /** A heartbeat as it arrived, at virtual time {@code atMs}. */
    record RegionBeat(long atMs, Pdpb.RegionHeartbeatRequest heartbeat) {}

    record StoreBeat(long atMs, Pdpb.StoreStats stats) {}

    private final SimCluster cluster;
    private final Random random;
    private final double responseDropRate;
    private final List<RegionBeat> regionBeats = new ArrayList<>();
    private final List<StoreBeat> storeBeats = new ArrayList<>();
    private final List<String> violations = new ArrayList<>();
    private final Deque<Operator> plan = new ArrayDeque<>();
    private final List<Operator> completed = new ArrayList<>();
    private final List<Operator> abandoned = new ArrayList<>();
    /** An operator not done this long after it became current is given up (as PD's operators time out). */
    private long operatorTimeoutMs = Long.MAX_VALUE;

    private long currentSinceMs;
    private Metapb.Region region;
    private Metapb.Peer leader;
    private long leaderTerm;
    /** Every region as its latest fresh heartbeat said, by id (the plan is for region 1 only). */
    private final java.util.Map<Long, Pdpb.RegionHeartbeatRequest> regions = new java.util.TreeMap<>();
    /** Ids for splits: far above the bootstrap region's and peers' ids. */
    private long nextId = 1000;

    private final List<List<Metapb.Region>> reportedSplits = new ArrayList<>();
    private long splitsAsked;
    private long responsesSent;
    private long responsesDropped;
    private long staleHeartbeats;

    private SimScheduler(SimCluster cluster, Random random, double responseDropRate) {
        this.cluster = cluster;
        this.random = random;
        this.responseDropRate = responseDropRate;
    }

    /** A scheduler every store of {@code cluster} reports to from its next start on. */
    static SimScheduler attach(SimCluster cluster, double responseDropRate) {
        SimScheduler scheduler =
                new SimScheduler(cluster, new Random(cluster.random().nextLong()), responseDropRate);
        for (long storeId : cluster.storeIds()) {
            cluster.store(storeId).reportTo(scheduler);
        }
        return scheduler;
    }

    void plan(List<? extends Operator> operators) {
        if (plan.isEmpty()) {
            currentSinceMs = cluster.loop().nowMs();
        }
        plan.addAll(operators);
    }

    void operatorTimeoutMs(long timeoutMs) {
        this.operatorTimeoutMs = timeoutMs;
    }

    List<Operator> abandoned() {
        return List.copyOf(abandoned);
    }

    boolean planDone() {
        return plan.isEmpty();
    }

    List<Operator> completed() {
        return List.copyOf(completed);
    }

    @Override
    public void regionHeartbeat(Pdpb.RegionHeartbeatRequest heartbeat) {
        regionBeats.add(new RegionBeat(cluster.loop().nowMs(), heartbeat));
        checkFromLeader(heartbeat);
        if (isStale(heartbeat)) {
            staleHeartbeats++;
            return;
        }
        regions.put(heartbeat.getRegion().getId(), heartbeat);
        if (heartbeat.getRegion().getId() != SimCluster.REGION_ID) {
            return;
        }
        region = heartbeat.getRegion();
        leader = heartbeat.getLeader();
        leaderTerm = heartbeat.getTerm();
        long now = cluster.loop().nowMs();
        while (!plan.isEmpty()
                && (plan.peekFirst().doneIn(region, leader) || now - currentSinceMs > operatorTimeoutMs)) {
            Operator head = plan.pollFirst();
            (head.doneIn(region, leader) ? completed : abandoned).add(head);
            currentSinceMs = now;
        }
        if (!plan.isEmpty()) {
            deliver(leader.getStoreId(), plan.peekFirst().response(region.getId(), region.getRegionEpoch()), true);
        }
    }

    @Override
    public void storeHeartbeat(Pdpb.StoreStats stats) {
        storeBeats.add(new StoreBeat(cluster.loop().nowMs(), stats));
    }

    /** PD's rule: an older epoch, or the same epoch from an older term, says nothing new. */
    private boolean isStale(Pdpb.RegionHeartbeatRequest heartbeat) {
        Pdpb.RegionHeartbeatRequest before = regions.get(heartbeat.getRegion().getId());
        if (before == null) {
            return false;
        }
        Metapb.RegionEpoch known = before.getRegion().getRegionEpoch();
        Metapb.RegionEpoch got = heartbeat.getRegion().getRegionEpoch();
        if (RegionEpochs.isStale(got, known)) {
            return true;
        }
        return got.equals(known) && heartbeat.getTerm() < before.getTerm();
    }

    /** Hands out ids as PD does; the answer travels back after a network delay, and may be lost. */
    @Override
    public void askBatchSplit(
            Metapb.Region splitting, int splitCount, java.util.function.Consumer<Pdpb.AskBatchSplitResponse> answer) {
        splitsAsked++;
        Pdpb.AskBatchSplitResponse.Builder b = Pdpb.AskBatchSplitResponse.newBuilder();
        for (int i = 0; i < splitCount; i++) {
            Pdpb.SplitID.Builder id = Pdpb.SplitID.newBuilder().setNewRegionId(nextId++);
            for (int p = 0; p < splitting.getPeersCount(); p++) {
                id.addNewPeerIds(nextId++);
            }
            b.addIds(id);
        }
        Pdpb.AskBatchSplitResponse response = b.build();
        boolean lost = random.nextDouble() < responseDropRate;
        cluster.loop().schedule(cluster.network().clientDelayMs(), () -> answer.accept(lost ? null : response));
    }

    @Override
    public void reportBatchSplit(List<Metapb.Region> split) {
        reportedSplits.add(List.copyOf(split));
    }

    /** How many times leaders asked for split ids (AskBatchSplit), answered or not. */
    long splitsAsked() {
        return splitsAsked;
    }

    /** The splits reported by leaders, in order. */
    List<List<Metapb.Region>> reportedSplits() {
        return List.copyOf(reportedSplits);
    }

    /** Every region as its latest fresh heartbeat said, by id. */
    java.util.Map<Long, Pdpb.RegionHeartbeatRequest> knownRegions() {
        return java.util.Collections.unmodifiableMap(regions);
    }

    /** Called on the reporting store's Raft thread: what it says must be what it knows. */
    private void checkFromLeader(Pdpb.RegionHeartbeatRequest heartbeat) {
        long storeId = heartbeat.getLeader().getStoreId();
        SimStore store = cluster.store(storeId);
        RaftStore.RegionStatus status = store == null || !store.isUp()
                ? null
                : store.raftStore().regionStatus(heartbeat.getRegion().getId());
        if (status == null) {
            violations.add("heartbeat from store " + storeId + " without a peer of the region: " + heartbeat);
        } else if (!status.leader()) {
            violations.add("heartbeat from store " + storeId + ", which does not lead: " + heartbeat);
        } else if (status.term() != heartbeat.getTerm()
                || !status.region().equals(heartbeat.getRegion())
                || !status.peer().equals(heartbeat.getLeader())) {
            violations.add(
                    "heartbeat from store " + storeId + " disagrees with its status " + status + ": " + heartbeat);
        }
    }

    /** Sends {@code response} to store {@code storeId} after a network delay, never lost. */
    void send(long storeId, Pdpb.RegionHeartbeatResponse response) {
        deliver(storeId, response, false);
    }

    private void deliver(long storeId, Pdpb.RegionHeartbeatResponse response, boolean lossy) {
        responsesSent++;
        if (lossy && random.nextDouble() < responseDropRate) {
            responsesDropped++;
            return;
        }
        cluster.loop().schedule(cluster.network().clientDelayMs(), () -> {
            SimStore store = cluster.store(storeId);
            if (store.isUp()) {
                store.raftStore().onSchedulerResponse(response);
            }
        });
    }

    List<RegionBeat> regionBeats() {
        return List.copyOf(regionBeats);
    }

    List<StoreBeat> storeBeats() {
        return List.copyOf(storeBeats);
    }

    /** The most recent region heartbeat, or null before any. */
    Pdpb.RegionHeartbeatRequest lastRegionBeat() {
        return regionBeats.isEmpty()
                ? null
                : regionBeats.get(regionBeats.size() - 1).heartbeat();
    }

    List<String> violations() {
        return List.copyOf(violations);
    }

    /** The region as the scheduler knows it (null before the first heartbeat). */
    Metapb.Region region() {
        return region;
    }

    Metapb.Peer leader() {
        return leader;
    }

    long responsesSent() {
        return responsesSent;
    }

    long responsesDropped() {
        return responsesDropped;
    }

    long staleHeartbeats() {
        return staleHeartbeats;
    }
}
