package io.tinykv.raftstore.sim;

import com.google.protobuf.ByteString;
import io.tinykv.proto.Eraftpb.ConfChangeType;
import io.tinykv.proto.Metapb;
import io.tinykv.proto.RaftCmdpb.AdminCmdType;
import io.tinykv.proto.RaftCmdpb.AdminRequest;
import io.tinykv.proto.RaftCmdpb.ChangePeerRequest;
import io.tinykv.proto.RaftCmdpb.CmdType;
import io.tinykv.proto.RaftCmdpb.DeleteRequest;
import io.tinykv.proto.RaftCmdpb.GetRequest;
import io.tinykv.proto.RaftCmdpb.PutRequest;
import io.tinykv.proto.RaftCmdpb.RaftCmdRequest;
import io.tinykv.proto.RaftCmdpb.RaftRequestHeader;
import io.tinykv.proto.RaftCmdpb.Request;
import io.tinykv.proto.RaftCmdpb.TransferLeaderRequest;
import io.tinykv.raftstore.Callback;
import io.tinykv.raftstore.CmdResult;
import java.util.concurrent.atomic.AtomicReference;

/** Synchronous commands for hand-written simulator tests: each runs virtual time until answered. */
public final class SimCommands {

    static final long ATTEMPT_TIMEOUT_MS = 1_000;

    private final SimCluster cluster;

    public SimCommands(SimCluster cluster) {
        this.cluster = cluster;
    }

    /** A request header addressed to the region's peer on {@code storeId}. */
    public RaftRequestHeader header(long storeId) {
        Metapb.Region region = cluster.region();
        Metapb.Peer peer = region.getPeersList().stream()
                .filter(p -> p.getStoreId() == storeId)
                .findFirst()
                .orElseThrow();
        return RaftRequestHeader.newBuilder()
                .setRegionId(region.getId())
                .setPeer(peer)
                .setRegionEpoch(region.getRegionEpoch())
                .build();
    }

    public static Request put(String key, String value) {
        return Request.newBuilder()
                .setCmdType(CmdType.Put)
                .setPut(PutRequest.newBuilder()
                        .setCf("default")
                        .setKey(ByteString.copyFromUtf8(key))
                        .setValue(ByteString.copyFromUtf8(value)))
                .build();
    }

    public static Request delete(String key) {
        return Request.newBuilder()
                .setCmdType(CmdType.Delete)
                .setDelete(DeleteRequest.newBuilder().setCf("default").setKey(ByteString.copyFromUtf8(key)))
                .build();
    }

    public static Request get(String key) {
        return Request.newBuilder()
                .setCmdType(CmdType.Get)
                .setGet(GetRequest.newBuilder().setCf("default").setKey(ByteString.copyFromUtf8(key)))
                .build();
    }

    /** A command of the one {@code request}, addressed to the region's peer on {@code storeId}. */
    public RaftCmdRequest request(long storeId, Request request) {
        return RaftCmdRequest.newBuilder()
                .setHeader(header(storeId))
                .addRequests(request)
                .build();
    }

    /** The value a Get answered, or null for none. */
    public static String valueOf(CmdResult result) {
        var value = result.response().getResponses(0).getGet().getValue();
        return value.isEmpty() ? null : value.toString(java.nio.charset.StandardCharsets.UTF_8);
    }

    /**
     * Sends {@code request} to the store and runs virtual time until it is answered.
     *
     * @return the result, or null when no answer came within the timeout
     */
    public CmdResult call(long storeId, RaftCmdRequest request, long timeoutMs) {
        AtomicReference<CmdResult> answer = new AtomicReference<>();
        cluster.store(storeId).propose(request, new Callback(answer::set));
        cluster.loop().runUntil(() -> answer.get() != null, timeoutMs);
        return answer.get();
    }

    /** Transfers leadership to the peer on {@code storeId}; runs until it leads. */
    public void transferLeader(long storeId, long timeoutMs) {
        long deadline = cluster.loop().nowMs() + timeoutMs;
        while (cluster.loop().nowMs() < deadline && cluster.leaderStore() != storeId) {
            long leader = cluster.awaitLeader(deadline - cluster.loop().nowMs());
            if (leader == 0 || leader == storeId) {
                continue;
            }
            Metapb.Peer target = cluster.region().getPeersList().stream()
                    .filter(p -> p.getStoreId() == storeId)
                    .findFirst()
                    .orElseThrow();
            call(
                    leader,
                    RaftCmdRequest.newBuilder()
                            .setHeader(header(leader))
                            .setAdminRequest(AdminRequest.newBuilder()
                                    .setCmdType(AdminCmdType.TransferLeader)
                                    .setTransferLeader(
                                            TransferLeaderRequest.newBuilder().setPeer(target)))
                            .build(),
                    ATTEMPT_TIMEOUT_MS);
            cluster.loop().runUntil(() -> cluster.leaderStore() == storeId, ATTEMPT_TIMEOUT_MS);
        }
        if (cluster.leaderStore() != storeId) {
            throw new AssertionError("seed " + cluster.seed() + ": store " + storeId + " did not become leader: "
                    + cluster.describeStores());
        }
    }

    /**
     * Adds {@code peer} (as a voter, or as a learner), promotes its learner (AddNode of a learner) or
     * removes it, as the scheduler does: re-sent to the leader until the leader's
     * region shows the change (a duplicate is harmless). Moves leadership away from a peer to remove.
     */
    public void changePeer(ConfChangeType type, Metapb.Peer peer, long timeoutMs) {
        long deadline = cluster.loop().nowMs() + timeoutMs;
        while (cluster.loop().nowMs() < deadline) {
            long leader = cluster.awaitLeader(deadline - cluster.loop().nowMs());
            if (leader == 0) {
                break;
            }
            Metapb.Peer current = cluster.region().getPeersList().stream()
                    .filter(p -> p.getId() == peer.getId())
                    .findFirst()
                    .orElse(null);
            boolean done = switch (type) {
                case AddLearnerNode -> current != null;
                // Adding a voter, or promoting the learner: done once it votes.
                case AddNode -> current != null && current.getRole() != Metapb.PeerRole.Learner;
                case RemoveNode -> current == null;
                default -> throw new IllegalArgumentException("conf change " + type);
            };
            if (done) {
                return;
            }
            if (type == ConfChangeType.RemoveNode && leader == peer.getStoreId()) {
                long other = cluster.memberStores().stream()
                        .filter(id -> id != leader)
                        .findFirst()
                        .orElseThrow();
                transferLeader(other, deadline - cluster.loop().nowMs());
                continue;
            }
            call(
                    leader,
                    RaftCmdRequest.newBuilder()
                            .setHeader(header(leader))
                            .setAdminRequest(AdminRequest.newBuilder()
                                    .setCmdType(AdminCmdType.ChangePeer)
                                    .setChangePeer(ChangePeerRequest.newBuilder()
                                            .setChangeType(type)
                                            .setPeer(peer)))
                            .build(),
                    ATTEMPT_TIMEOUT_MS);
        }
        throw new AssertionError("seed " + cluster.seed() + ": " + type + " " + peer + " not done within " + timeoutMs
                + " ms: " + cluster.describeStores());
    }

    /** Runs {@code request} on the current leader until it succeeds; fails the test after the timeout. */
    public CmdResult onLeader(Request request, long timeoutMs) {
        long deadline = cluster.loop().nowMs() + timeoutMs;
        while (cluster.loop().nowMs() < deadline) {
            long leader = cluster.awaitLeader(deadline - cluster.loop().nowMs());
            if (leader == 0) {
                break;
            }
            CmdResult result = call(
                    leader,
                    RaftCmdRequest.newBuilder()
                            .setHeader(header(leader))
                            .addRequests(request)
                            .build(),
                    ATTEMPT_TIMEOUT_MS);
            if (result != null && !result.isError()) {
                return result;
            }
        }
        throw new AssertionError("seed " + cluster.seed() + ": " + request.getCmdType() + " did not succeed within "
                + timeoutMs + " ms: " + cluster.describeStores());
    }
}
