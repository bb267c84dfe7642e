package io.tinykv.server.store;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.tinykv.client.Clock;
import io.tinykv.client.pd.StorePdClient;
import io.tinykv.proto.Metapb;
import io.tinykv.proto.RaftServerpb.RegionLocalState;
import io.tinykv.proto.RaftServerpb.StoreIdent;
import io.tinykv.raftstore.RaftStore;
import io.tinykv.security.ChannelFactory;
import io.tinykv.storage.Cf;
import io.tinykv.storage.EngineConfig;
import io.tinykv.storage.EngineWriteBatch;
import io.tinykv.storage.Engines;
import io.tinykv.storage.Keys;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The bootstrap protocol's branches, against a book-keeping scheduler. */
class StoreBootstrapTest {

    private static final long TIMEOUT_MILLIS = 3_000;

    @TempDir
    Path dir;

    private static StorePdClient connect(FakeScheduler pd) {
        return StorePdClient.connect(
                List.of(pd.address()), ChannelFactory.plaintext(), TIMEOUT_MILLIS, TIMEOUT_MILLIS, Clock.system());
    }

    private static Metapb.Store record(long id) {
        return Metapb.Store.newBuilder().setId(id).setAddress("127.0.0.1:1").build();
    }

    private static RegionLocalState regionState(Engines engines, long regionId) {
        return engines.kv().getMessage(Cf.DEFAULT, Keys.regionStateKey(regionId), RegionLocalState.parser());
    }

    @Test
    void theFirstStoreBootstrapsTheClusterWithOneRegionOverAllKeys() throws Exception {
        try (FakeScheduler pd = new FakeScheduler(5);
                StorePdClient client = connect(pd);
                Engines engines = Engines.open(dir, EngineConfig.defaults())) {
            long storeId = StoreBootstrap.run(engines, client, StoreBootstrapTest::record);

            StoreIdent ident = engines.kv().getMessage(Cf.DEFAULT, Keys.STORE_IDENT_KEY, StoreIdent.parser());
            assertThat(ident.getClusterId()).isEqualTo(5);
            assertThat(ident.getStoreId()).isEqualTo(storeId);
            Metapb.Region region = pd.region();
            assertThat(region.getPeersList())
                    .extracting(Metapb.Peer::getStoreId)
                    .containsExactly(storeId);
            assertThat(region.getRegionEpoch().getConfVer()).isEqualTo(StoreBootstrap.INITIAL_EPOCH);
            assertThat(regionState(engines, region.getId()).getRegion()).isEqualTo(region);
            assertThat(engines.kv().get(Cf.DEFAULT, Keys.PREPARE_BOOTSTRAP_KEY)).isNull();
            // Ids are distinct: store, region and peer each got their own.
            assertThat(List.of(storeId, region.getId(), region.getPeers(0).getId()))
                    .doesNotHaveDuplicates();
        }
    }

    @Test
    void aStoreThatLostTheBootstrapRaceErasesItsPreparedRegion() throws Exception {
        Metapb.Region winner = Metapb.Region.newBuilder()
                .setId(1)
                .addPeers(Metapb.Peer.newBuilder().setId(2).setStoreId(3))
                .build();
        try (FakeScheduler pd = new FakeScheduler(5);
                StorePdClient client = connect(pd);
                Engines engines = Engines.open(dir, EngineConfig.defaults())) {
            pd.bootstrapElsewhere(winner);
            pd.hideBootstrap = true;

            long storeId = StoreBootstrap.run(engines, client, StoreBootstrapTest::record);

            assertThat(pd.bootstraps)
                    .singleElement()
                    .satisfies(b -> assertThat(b.getStore().getId()).isEqualTo(storeId));
            long preparedId = pd.bootstraps.get(0).getRegion().getId();
            assertThat(regionState(engines, preparedId)).isNull();
            assertThat(engines.kv().get(Cf.DEFAULT, Keys.applyStateKey(preparedId)))
                    .isNull();
            assertThat(engines.raft().get(Cf.DEFAULT, Keys.raftStateKey(preparedId)))
                    .isNull();
            assertThat(engines.kv().get(Cf.DEFAULT, Keys.PREPARE_BOOTSTRAP_KEY)).isNull();
            assertThat(pd.region()).isEqualTo(winner);
        }
    }

    @Test
    void aBootstrapInterruptedAfterTheSchedulerAcceptedItKeepsTheRegion() throws Exception {
        try (FakeScheduler pd = new FakeScheduler(5);
                StorePdClient client = connect(pd);
                Engines engines = Engines.open(dir, EngineConfig.defaults())) {
            // A previous start: identity, prepared region, and the scheduler took it; then a crash.
            RaftStore.bootstrapStore(engines, 5, 11);
            Metapb.Region region = Metapb.Region.newBuilder()
                    .setId(12)
                    .setRegionEpoch(
                            Metapb.RegionEpoch.newBuilder().setConfVer(1).setVersion(1))
                    .addPeers(Metapb.Peer.newBuilder().setId(13).setStoreId(11))
                    .build();
            prepare(engines, region);
            pd.bootstrapElsewhere(region);

            assertThat(StoreBootstrap.run(engines, client, StoreBootstrapTest::record))
                    .isEqualTo(11);

            assertThat(regionState(engines, 12).getRegion()).isEqualTo(region);
            assertThat(engines.kv().get(Cf.DEFAULT, Keys.PREPARE_BOOTSTRAP_KEY)).isNull();
        }
    }

    @Test
    void aBootstrapInterruptedBeforeTheSchedulerHeardOfItIsFinished() throws Exception {
        try (FakeScheduler pd = new FakeScheduler(5);
                StorePdClient client = connect(pd);
                Engines engines = Engines.open(dir, EngineConfig.defaults())) {
            RaftStore.bootstrapStore(engines, 5, 11);
            Metapb.Region region = Metapb.Region.newBuilder()
                    .setId(12)
                    .setRegionEpoch(
                            Metapb.RegionEpoch.newBuilder().setConfVer(1).setVersion(1))
                    .addPeers(Metapb.Peer.newBuilder().setId(13).setStoreId(11))
                    .build();
            prepare(engines, region);

            StoreBootstrap.run(engines, client, StoreBootstrapTest::record);

            assertThat(pd.region()).isEqualTo(region);
            assertThat(pd.bootstraps)
                    .singleElement()
                    .satisfies(b -> assertThat(b.getStore().getId()).isEqualTo(11));
            assertThat(engines.kv().get(Cf.DEFAULT, Keys.PREPARE_BOOTSTRAP_KEY)).isNull();
        }
    }

    @Test
    void enginesOfAnotherClusterAreRefusedBeforeAnythingIsWritten() throws Exception {
        try (FakeScheduler pd = new FakeScheduler(5);
                StorePdClient client = connect(pd);
                Engines engines = Engines.open(dir, EngineConfig.defaults())) {
            RaftStore.bootstrapStore(engines, 4, 11);
            assertThatThrownBy(() -> StoreBootstrap.run(engines, client, StoreBootstrapTest::record))
                    .isInstanceOf(StoreBootstrap.ClusterMismatchException.class)
                    .hasMessageContaining("store 11 of cluster 4")
                    .hasMessageContaining("runs cluster 5");
            assertThat(pd.bootstraps).isEmpty();
            assertThat(pd.nextId.get()).isEqualTo(1_000);
        }
    }

    private static void prepare(Engines engines, Metapb.Region region) {
        try (EngineWriteBatch wb = engines.kv().newWriteBatch()) {
            wb.put(Cf.DEFAULT, Keys.PREPARE_BOOTSTRAP_KEY, region);
            engines.kv().write(wb, true);
        }
        RaftStore.bootstrapRegion(engines, region);
    }
}
