package io.tinykv.server.store;

import com.google.protobuf.ByteString;
import io.grpc.ManagedChannel;
import io.grpc.netty.shaded.io.grpc.netty.NettyChannelBuilder;
import io.tinykv.client.ClientConfig;
import io.tinykv.client.pd.PdClient;
import io.tinykv.client.region.RegionInfo;
import io.tinykv.proto.Kvrpcpb;
import io.tinykv.proto.Metapb;
import io.tinykv.proto.TikvGrpc;
import io.tinykv.storage.Cf;
import io.tinykv.storage.KvIterator;
import io.tinykv.storage.StorageReader;
import io.tinykv.storage.UserKeyReader;
import io.tinykv.testkit.wait.Await;
import io.tinykv.txn.mvcc.MvccKey;
import java.time.Duration;
import java.util.HashMap;
import java.util.Map;
import java.util.Optional;

/**
 * What the MVCC GC tests look at in a running cluster: that the region is replicated before the
 * workload, the commit records each key has left in a store, and a read at a chosen version (below
 * the safe point, to see it refused) sent straight to the key's leader, past the client's own
 * checks.
 */
final class GcProbes {

    private GcProbes() {}

    /** Waits until the first region has a leader and a voter (not a learner) on each of {@code storeCount} stores. */
    static void awaitVoterOnEveryStore(ClientConfig config, int storeCount, Duration wait, String what) {
        try (PdClient pd = PdClient.connect(config)) {
            Await.value(
                    () -> pd.getRegion(ByteString.EMPTY)
                            .filter(r -> r.hasLeader()
                                    && r.region().getPeersList().stream()
                                                    .filter(p -> p.getRole() != Metapb.PeerRole.Learner)
                                                    .map(Metapb.Peer::getStoreId)
                                                    .distinct()
                                                    .count()
                                            == storeCount),
                    wait,
                    what);
        }
    }

    /** How many commit records each user key has in the store's write column family. */
    static Map<ByteString, Integer> versionsPerKey(StoreServer store) {
        Map<ByteString, Integer> versions = new HashMap<>();
        try (StorageReader reader = new UserKeyReader(store.engines().kv().snapshot());
                KvIterator it = reader.iterator(Cf.WRITE)) {
            for (it.seekToFirst(); it.valid(); it.next()) {
                versions.merge(ByteString.copyFrom(MvccKey.decode(it.key()).userKey()), 1, Integer::sum);
            }
        }
        return versions;
    }

    /**
     * KvGet of {@code key} at {@code version} to the key's leader, asked again (for at most {@code
     * wait}) until a leader answers without a region error.
     */
    static Kvrpcpb.GetResponse getAtLeader(ClientConfig config, ByteString key, long version, Duration wait) {
        try (PdClient pd = PdClient.connect(config)) {
            return Await.value(
                    () -> {
                        Optional<RegionInfo> region = pd.getRegion(key).filter(RegionInfo::hasLeader);
                        if (region.isEmpty()) {
                            return Optional.empty();
                        }
                        Metapb.Peer leader = region.get().leader();
                        String address = pd.getStore(leader.getStoreId()).getAddress();
                        ManagedChannel channel = NettyChannelBuilder.forTarget(address)
                                .usePlaintext()
                                .build();
                        try {
                            Kvrpcpb.GetResponse response = TikvGrpc.newBlockingStub(channel)
                                    .kvGet(Kvrpcpb.GetRequest.newBuilder()
                                            .setContext(Kvrpcpb.Context.newBuilder()
                                                    .setRegionId(region.get().id())
                                                    .setRegionEpoch(region.get()
                                                            .region()
                                                            .getRegionEpoch())
                                                    .setPeer(leader))
                                            .setKey(key)
                                            .setVersion(version)
                                            .build());
                            return response.hasRegionError() ? Optional.empty() : Optional.of(response);
                        } finally {
                            channel.shutdownNow();
                        }
                    },
                    wait,
                    "a leader answers the read at version " + version);
        }
    }
}
