package io.tinykv.raftstore.sim;

import com.google.protobuf.ByteString;
import io.tinykv.proto.Errorpb;
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
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Random;

/**
 * A client of a cluster whose regions split: it keeps a region cache per key as a TiKV client does
 * (region, epoch, believed leader), sends with what the cache says, and refreshes the entry from
 * the routing view ({@link SplitRouting}) only after an error (EpochNotMatch, KeyNotInRegion,
 * RegionNotFound, a timeout); NotLeader hints move it to the named store. So requests keep arriving
 * with epochs from before a split, which is what a store must answer with EpochNotMatch.
 *
 * <p>Values are padded to {@code valueBytes} so the regions grow to their split size. Each attempt is
 * its own operation, recorded in the history as {@link SimClient} does.
 */
final class SplitSimClient {

    private static final long MAX_THINK_MS = 5;

    private record Cached(Metapb.Region region, long store) {}

    private final int id;
    private final SimCluster cluster;
    private final History history;
    private final List<String> keys;
    private final Random random;
    private final String padding;
    private final Map<String, Cached> cache = new HashMap<>();
    private int nextValue;
    private boolean running;
    private long attempt;
    private long epochNotMatch;

    SplitSimClient(int id, SimCluster cluster, History history, List<String> keys, Random random, int valueBytes) {
        this.id = id;
        this.cluster = cluster;
        this.history = history;
        this.keys = keys;
        this.random = random;
        this.padding = "x".repeat(Math.max(0, valueBytes));
    }

    void start() {
        running = true;
        cluster.loop().schedule(random.nextInt((int) MAX_THINK_MS + 1), this::next);
    }

    void stop() {
        running = false;
    }

    /** EpochNotMatch answers this client got (proof that it raced splits). */
    long epochNotMatch() {
        return epochNotMatch;
    }

    private void next() {
        if (!running) {
            return;
        }
        String key = keys.get(random.nextInt(keys.size()));
        History.Op op = random.nextBoolean()
                ? history.invokePut(id, key, "c" + id + "-v" + nextValue++ + "-" + padding)
                : history.invokeGet(id, key);
        send(op);
    }

    private void send(History.Op op) {
        long myAttempt = ++attempt;
        cluster.loop().schedule(SimClient.REQUEST_TIMEOUT_MS, () -> {
            if (attempt == myAttempt) {
                finish(op, null);
            }
        });
        Cached target = cache.computeIfAbsent(op.key, this::lookUp);
        if (target == null) {
            return; // nobody holds the key right now: the timeout answers
        }
        SimStore store = cluster.store(target.store());
        Metapb.Peer peer = target.region().getPeersList().stream()
                .filter(p -> p.getStoreId() == target.store())
                .findFirst()
                .orElse(null);
        if (!store.isUp() || peer == null) {
            return;
        }
        int incarnation = store.incarnation();
        RaftCmdRequest request = request(op, target.region(), peer);
        cluster.loop().schedule(cluster.network().clientDelayMs(), () -> {
            if (!store.isUp() || store.incarnation() != incarnation) {
                return;
            }
            store.propose(
                    request,
                    new Callback(result -> cluster.loop()
                            .schedule(cluster.network().clientDelayMs(), () -> {
                                if (attempt == myAttempt) {
                                    finish(op, result);
                                } else if (result.snapshot() != null) {
                                    result.snapshot().close();
                                }
                            })));
        });
    }

    private Cached lookUp(String key) {
        SplitRouting.Route route = SplitRouting.route(cluster, ByteString.copyFromUtf8(key));
        if (route == null) {
            return null;
        }
        long store = route.leaderStore();
        if (store == 0) {
            List<Metapb.Peer> peers = route.region().getPeersList();
            store = peers.get(random.nextInt(peers.size())).getStoreId();
        }
        return new Cached(route.region(), store);
    }

    private static RaftCmdRequest request(History.Op op, Metapb.Region region, Metapb.Peer peer) {
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

    private void finish(History.Op op, CmdResult result) {
        attempt++;
        if (result == null || result.isError()) {
            history.fail(op);
            Errorpb.Error error =
                    result == null ? null : result.response().getHeader().getError();
            Cached cached = cache.get(op.key);
            if (error != null && error.hasNotLeader() && error.getNotLeader().hasLeader() && cached != null) {
                cache.put(
                        op.key,
                        new Cached(
                                cached.region(),
                                error.getNotLeader().getLeader().getStoreId()));
            } else {
                if (error != null && error.hasEpochNotMatch()) {
                    epochNotMatch++;
                }
                cache.remove(op.key);
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
