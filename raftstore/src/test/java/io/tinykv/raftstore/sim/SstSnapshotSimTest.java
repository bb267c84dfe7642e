package io.tinykv.raftstore.sim;

import static org.assertj.core.api.Assertions.assertThat;

import com.google.protobuf.ByteString;
import io.tinykv.proto.Eraftpb.ConfChangeType;
import io.tinykv.proto.Metapb;
import io.tinykv.raftstore.RaftStore;
import io.tinykv.raftstore.RaftstoreConfig;
import io.tinykv.storage.Cf;
import io.tinykv.storage.EngineWriteBatch;
import io.tinykv.storage.Engines;
import io.tinykv.storage.Keys;
import java.nio.charset.StandardCharsets;
import java.util.Set;
import org.junit.jupiter.api.Test;

/** Snapshots as SST files between simulated stores: damaged transfers, and a peer born from one. */
class SstSnapshotSimTest {

    private static final long TIMEOUT_MS = 20_000;
    private static final long GC_LIMIT = 10;
    private static final int PUTS = 60;
    /** The one region holds [b, m); the stores also keep other regions' data around it. */
    private static final Metapb.Region RANGE = Metapb.Region.newBuilder()
            .setStartKey(ByteString.copyFromUtf8("b"))
            .setEndKey(ByteString.copyFromUtf8("m"))
            .build();

    private static byte[] raw(String s) {
        return s.getBytes(StandardCharsets.UTF_8);
    }

    private static void writeOtherRegionsData(Engines engines) {
        try (EngineWriteBatch wb = engines.kv().newWriteBatch()) {
            for (Cf cf : Cf.values()) {
                wb.put(cf, Keys.dataKey(raw("a-" + cf.apiName())), raw("before the region"));
                wb.put(cf, Keys.dataKey(raw("m")), raw("the region's end key belongs to the next one"));
                wb.put(cf, Keys.dataKey(raw("z-" + cf.apiName())), raw("after the region"));
            }
            engines.kv().write(wb, true);
        }
    }

    private static String get(Engines engines, Cf cf, String key) {
        byte[] value = engines.kv().get(cf, Keys.dataKey(raw(key)));
        return value == null ? null : new String(value, StandardCharsets.UTF_8);
    }

    private static void assertOtherRegionsIntact(Engines engines) {
        for (Cf cf : Cf.values()) {
            assertThat(get(engines, cf, "a-" + cf.apiName())).isEqualTo("before the region");
            assertThat(get(engines, cf, "m")).isEqualTo("the region's end key belongs to the next one");
            assertThat(get(engines, cf, "z-" + cf.apiName())).isEqualTo("after the region");
        }
    }

    @Test
    void aSnapshotDamagedInTransitIsRefusedNeverIngestedAndTheNextOneCatchesTheStoreUp() {
        RaftstoreConfig config = SimCluster.defaultConfig().withRaftLogGcCountLimit(GC_LIMIT);
        try (SimCluster cluster = new SimCluster(3, 17, config, RANGE)) {
            cluster.start();
            SimCommands commands = new SimCommands(cluster);
            commands.onLeader(SimCommands.put("b0", "first"), TIMEOUT_MS);
            long leader = cluster.awaitLeader(TIMEOUT_MS);
            long isolated = cluster.storeOtherThan(leader);
            cluster.loop().runUntil(() -> cluster.dataOf(isolated).size() == 1, TIMEOUT_MS);
            var before = cluster.dataOf(isolated);
            cluster.network().addFilter(SimNetwork.partition(Set.of(isolated), cluster.storesOtherThan(isolated)));
            for (int i = 0; i < PUTS; i++) {
                commands.onLeader(SimCommands.put("c" + i, "value " + i), TIMEOUT_MS);
            }
            cluster.loop().runFor(config.raftLogGcIntervalTicks() * SimCluster.TICK_MS * 3);

            // Every snapshot now arrives with one byte flipped in its first chunk of file data.
            cluster.network().setSnapshotChunkFilter(chunk -> {
                byte[] bytes = chunk.toByteArray();
                bytes[0] ^= 0x01;
                return ByteString.copyFrom(bytes);
            });
            cluster.network().clearFilters();
            cluster.loop().runUntil(() -> cluster.network().snapshotsRefused() >= 2, TIMEOUT_MS);
            assertThat(cluster.network().snapshotsRefused()).isGreaterThanOrEqualTo(2);
            assertThat(cluster.network().lastSnapshotRefusal()).contains("arrived corrupt");
            assertThat(cluster.network().snapshotsDelivered()).isZero();
            assertThat(cluster.dataOf(isolated))
                    .as("nothing of a refused snapshot was ingested")
                    .isEqualTo(before);
            assertThat(cluster.store(isolated).snapshotManager().list())
                    .as("no partial file is left")
                    .isEmpty();

            cluster.network().setSnapshotChunkFilter(chunk -> chunk);
            assertThat(cluster.awaitConverged(TIMEOUT_MS))
                    .as(String.join("; ", cluster.describeStores()))
                    .isTrue();
            assertThat(cluster.network().snapshotsDelivered()).isPositive();
            assertThat(cluster.dataOf(isolated))
                    .isEqualTo(cluster.dataOf(cluster.leaderStore()))
                    .hasSize(PUTS + 1);
            assertThat(cluster.store(isolated).snapshotManager().list())
                    .as("installed files are deleted")
                    .isEmpty();
            System.out.printf(
                    "SST snapshots: %d delivered, %d refused, %d bytes of files delivered%n",
                    cluster.network().snapshotsDelivered(),
                    cluster.network().snapshotsRefused(),
                    cluster.network().snapshotBytesDelivered());
        }
    }

    @Test
    void anUninitializedPeerIsBornFromItsFirstSnapshotWithoutTouchingOtherRegionsData() {
        RaftstoreConfig config = SimCluster.defaultConfig().withRaftLogGcCountLimit(GC_LIMIT);
        try (SimCluster cluster = new SimCluster(3, 23, config, RANGE)) {
            for (long storeId : cluster.storeIds()) {
                writeOtherRegionsData(cluster.store(storeId).openEngines());
            }
            cluster.start();
            SimCommands commands = new SimCommands(cluster);
            commands.onLeader(SimCommands.put("b", "first"), TIMEOUT_MS);
            commands.transferLeader(1, TIMEOUT_MS);
            commands.changePeer(
                    ConfChangeType.RemoveNode,
                    Metapb.Peer.newBuilder().setId(3).setStoreId(3).build(),
                    TIMEOUT_MS);
            cluster.loop()
                    .runUntil(
                            () -> cluster.store(3).raftStore().regionStatus(SimCluster.REGION_ID) == null, TIMEOUT_MS);
            Engines engines3 = cluster.store(3).raftStore().engines();
            assertThat(get(engines3, Cf.DEFAULT, "b"))
                    .as("the removed peer's data is gone")
                    .isNull();
            assertOtherRegionsIntact(engines3);

            for (int i = 0; i < PUTS; i++) {
                commands.onLeader(SimCommands.put("c" + i, "value " + i), TIMEOUT_MS);
            }
            // Compacted past the start: the new peer can only be caught up by snapshot.
            cluster.loop().runFor(config.raftLogGcIntervalTicks() * SimCluster.TICK_MS * 3);
            assertThat(cluster.store(1)
                            .raftStore()
                            .regionStatus(SimCluster.REGION_ID)
                            .truncatedIndex())
                    .isGreaterThan(5);
            long snapshotsBefore = cluster.network().snapshotsDelivered();
            commands.changePeer(
                    ConfChangeType.AddNode,
                    Metapb.Peer.newBuilder().setId(30).setStoreId(3).build(),
                    TIMEOUT_MS);
            assertThat(cluster.awaitConverged(TIMEOUT_MS))
                    .as(String.join("; ", cluster.describeStores()))
                    .isTrue();
            assertThat(cluster.network().snapshotsDelivered()).isGreaterThan(snapshotsBefore);

            RaftStore.RegionStatus status = cluster.store(3).raftStore().regionStatus(SimCluster.REGION_ID);
            assertThat(status.region().getStartKey().toStringUtf8()).isEqualTo("b");
            assertThat(status.peer().getId()).isEqualTo(30);
            assertThat(get(engines3, Cf.DEFAULT, "b")).isEqualTo("first");
            for (int i = 0; i < PUTS; i++) {
                assertThat(get(engines3, Cf.DEFAULT, "c" + i)).isEqualTo("value " + i);
            }
            assertOtherRegionsIntact(engines3);
            assertThat(cluster.dataOf(3)).isEqualTo(cluster.dataOf(1));

            // The installed snapshot survives a crash of the store.
            cluster.crash(3);
            cluster.restart(3);
            commands.onLeader(SimCommands.put("d", "after the restart"), TIMEOUT_MS);
            assertThat(cluster.awaitConverged(TIMEOUT_MS)).isTrue();
            assertThat(cluster.dataOf(3)).isEqualTo(cluster.dataOf(1));
            assertOtherRegionsIntact(cluster.store(3).raftStore().engines());
        }
    }
}
