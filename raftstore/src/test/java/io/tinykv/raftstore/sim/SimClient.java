package io.tinykv.raftstore.sim;

import com.google.protobuf.ByteString;
import io.tinykv.proto.Metapb;
import io.tinykv.proto.RaftCmdpb.CmdType;
import io.tinykv.proto.RaftCmdpb.GetRequest;
import io.tinykv.proto.RaftCmdpb.PutRequest;
import io.tinykv.proto.RaftCmdpb.RaftCmdRequest;
import io.tinykv.proto.RaftCmdpb.RaftRequestHeader;
import io.tinykv.proto.RaftCmdpb.Request;
import io.tinykv.raftstore.Callback;
import io.tinykv.raftstore.CmdResult;
import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.Random;

/**
 * A client issuing puts and gets on a few shared keys, one at a time, and recording them in the
 * history. Each attempt is its own operation with a unique put value: an attempt that fails or
 * times out is a put of unknown outcome (or a read that saw nothing), and the client moves on to
 * a new operation. It follows NotLeader hints and otherwise tries a random store.
 */
final class SimClient {

    static final long REQUEST_TIMEOUT_MS = 500;
    private static final long MAX_THINK_MS = 5;
    /**
     * How often a request goes to a random store instead of the believed leader, as a client with
     * a stale region cache does: it exercises the NotLeader path and any read served where it
     * must not be.
     */
    private static final double STRAY_REQUEST_RATE = 0.2;

    private final int id;
    private final SimCluster cluster;
    private final History history;
    private final List<String> keys;
    private final Random random;
    private long targetStore;
    private int nextValue;
    private boolean running;
    /** Identifies the attempt in flight: a late answer to an abandoned attempt is ignored. */
    private long attempt;

    private long answered;
    private long sent;

    SimClient(int id, SimCluster cluster, History history, List<String> keys, Random random) {
        this.id = id;
        this.cluster = cluster;
        this.history = history;
        this.keys = keys;
        this.random = random;
        this.targetStore =
                cluster.storeIds().get(random.nextInt(cluster.storeIds().size()));
    }

    void start() {
        running = true;
        cluster.loop().schedule(random.nextInt((int) MAX_THINK_MS + 1), this::next);
    }

    /** Finishes the operation in flight, then stops. */
    void stop() {
        running = false;
    }

    long sent() {
        return sent;
    }

    long answered() {
        return answered;
    }

    private void next() {
        if (!running) {
            return;
        }
        String key = keys.get(random.nextInt(keys.size()));
        boolean put = random.nextBoolean();
        History.Op op = put ? history.invokePut(id, key, "c" + id + "-v" + nextValue++) : history.invokeGet(id, key);
        send(op);
    }

    private void send(History.Op op) {
        long myAttempt = ++attempt;
        sent++;
        List<Long> members = cluster.memberStores();
        if (random.nextDouble() < STRAY_REQUEST_RATE) {
            targetStore =
                    cluster.storeIds().get(random.nextInt(cluster.storeIds().size()));
        }
        if (!members.contains(targetStore)) {
            targetStore = members.get(random.nextInt(members.size()));
        }
        SimStore store = cluster.store(targetStore);
        long delay = cluster.network().clientDelayMs();
        cluster.loop().schedule(REQUEST_TIMEOUT_MS, () -> {
            if (attempt == myAttempt) {
                finish(op, null);
            }
        });
        if (!store.isUp()) {
            return; // the timeout answers
        }
        int incarnation = store.incarnation();
        RaftCmdRequest request = request(op);
        cluster.loop().schedule(delay, () -> {
            if (!store.isUp() || store.incarnation() != incarnation) {
                return;
            }
            store.raftStore().propose(request, new Callback(result -> {
                answered++;
                cluster.loop().schedule(cluster.network().clientDelayMs(), () -> {
                    if (attempt == myAttempt) {
                        finish(op, result);
                    } else if (result.snapshot() != null) {
                        result.snapshot().close();
                    }
                });
            }));
        });
    }

    private RaftCmdRequest request(History.Op op) {
        Metapb.Region region = cluster.region();
        Metapb.Peer peer = region.getPeersList().stream()
                .filter(p -> p.getStoreId() == targetStore)
                .findFirst()
                .orElseThrow();
        RaftCmdRequest.Builder request = RaftCmdRequest.newBuilder()
                .setHeader(RaftRequestHeader.newBuilder()
                        .setRegionId(region.getId())
                        .setPeer(peer)
                        .setRegionEpoch(region.getRegionEpoch()));
        ByteString key = ByteString.copyFromUtf8(op.key);
        if (op.kind == History.Kind.PUT) {
            request.addRequests(Request.newBuilder()
                    .setCmdType(CmdType.Put)
                    .setPut(PutRequest.newBuilder()
                            .setCf("default")
                            .setKey(key)
                            .setValue(ByteString.copyFromUtf8(op.value))));
        } else {
            request.addRequests(Request.newBuilder()
                    .setCmdType(CmdType.Get)
                    .setGet(GetRequest.newBuilder().setCf("default").setKey(key)));
        }
        return request.build();
    }

    /** @param result null on timeout */
    private void finish(History.Op op, CmdResult result) {
        attempt++;
        if (result == null || result.isError()) {
            history.fail(op);
            var error = result == null ? null : result.response().getHeader().getError();
            if (error != null && error.hasNotLeader() && error.getNotLeader().hasLeader()) {
                targetStore = error.getNotLeader().getLeader().getStoreId();
            } else {
                List<Long> ids = cluster.storeIds();
                targetStore = ids.get(random.nextInt(ids.size()));
            }
        } else if (op.kind == History.Kind.GET) {
            ByteString value = result.response().getResponses(0).getGet().getValue();
            history.succeed(op, value.isEmpty() ? null : value.toString(StandardCharsets.UTF_8));
        } else {
            history.succeed(op, null);
        }
        cluster.loop().schedule(random.nextInt((int) MAX_THINK_MS + 1), this::next);
    }
}
