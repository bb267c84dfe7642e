package io.tinykv.raftstore.sim;

import static org.assertj.core.api.Assertions.assertThat;

import io.tinykv.proto.RaftServerpb.PeerState;
import io.tinykv.proto.RaftServerpb.RaftApplyState;
import io.tinykv.proto.RaftServerpb.RaftSnapshotData;
import io.tinykv.proto.RaftServerpb.RaftTruncatedState;
import io.tinykv.proto.RaftServerpb.RegionLocalState;
import io.tinykv.proto.RaftServerpb.SnapshotCFFile;
import io.tinykv.proto.RaftServerpb.SnapshotMeta;
import io.tinykv.raftstore.RaftStore;
import io.tinykv.raftstore.snapshot.SnapshotManager;
import io.tinykv.raftstore.snapshot.SnapshotManager.SnapshotKey;
import io.tinykv.storage.Cf;
import io.tinykv.storage.EngineWriteBatch;
import io.tinykv.storage.Engines;
import io.tinykv.storage.Keys;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import org.junit.jupiter.api.Test;

/**
 * A store restarts in the middle of installing a snapshot whose kept file is gone (a damaged
 * disk): it starts anyway, its peer empty, and the leader's fresh snapshot catches it up.
 */
class SnapshotResumeSimTest {

    private static final long TIMEOUT_MS = 20_000;
    private static final long SEED = 23;
    private static final int PUTS = 20;
    private static final long MISSING_FILE_BYTES = 10;

    @Test
    void aStoreWhoseKeptSnapshotFilesAreDamagedStartsEmptyAndIsCaughtUpByAFreshSnapshot() throws Exception {
        try (SimCluster cluster = new SimCluster(3, SEED, SimCluster.defaultConfig())) {
            cluster.start();
            SimCommands commands = new SimCommands(cluster);
            for (int i = 0; i < PUTS; i++) {
                commands.onLeader(SimCommands.put("k" + i, "v" + i), TIMEOUT_MS);
            }
            assertThat(cluster.awaitConverged(TIMEOUT_MS)).isTrue();
            long leader = cluster.leaderStore();
            long follower = cluster.storeOtherThan(leader);
            var regionBefore = cluster.region();

            cluster.crash(follower);
            Engines engines = cluster.store(follower).openEngines();
            RaftApplyState apply = engines.kv()
                    .getMessage(Cf.DEFAULT, Keys.applyStateKey(SimCluster.REGION_ID), RaftApplyState.parser());
            SnapshotKey key = new SnapshotKey(SimCluster.REGION_ID, 1, apply.getAppliedIndex());
            try (EngineWriteBatch wb = engines.kv().newWriteBatch()) {
                // The first write of an installation: range cleared, new apply state, Applying.
                wb.deleteRange(Cf.DEFAULT, Keys.DATA_MIN_KEY, Keys.DATA_MAX_KEY);
                wb.put(
                        Cf.DEFAULT,
                        Keys.applyStateKey(SimCluster.REGION_ID),
                        apply.toBuilder()
                                .setTruncatedState(RaftTruncatedState.newBuilder()
                                        .setIndex(key.index())
                                        .setTerm(key.term()))
                                .build());
                wb.put(
                        Cf.DEFAULT,
                        Keys.regionStateKey(SimCluster.REGION_ID),
                        RegionLocalState.newBuilder()
                                .setState(PeerState.Applying)
                                .setRegion(regionBefore)
                                .build());
                engines.kv().write(wb, true);
            }
            SnapshotManager snapshots = cluster.store(follower).snapshotManager();
            // The metadata survived; the default column family's file did not.
            Files.write(
                    snapshots.receivedMeta(key),
                    RaftSnapshotData.newBuilder()
                            .setRegion(regionBefore)
                            .setMeta(SnapshotMeta.newBuilder()
                                    .addCfFiles(SnapshotCFFile.newBuilder()
                                            .setCf(Cf.DEFAULT.apiName())
                                            .setSize(MISSING_FILE_BYTES)
                                            .setChecksum(0)))
                            .setFileSize(MISSING_FILE_BYTES)
                            .build()
                            .toByteArray());
            assertThat(Files.exists(snapshots.receivedFile(key, Cf.DEFAULT))).isFalse();

            // The leader goes on while the follower is down: its appends to it are lost.
            for (int i = 0; i < PUTS; i++) {
                commands.onLeader(SimCommands.put("while-down-" + i, "v" + i), TIMEOUT_MS);
            }
            cluster.forgetAppliedIndex(follower);
            cluster.restart(follower);
            RaftStore.RegionStatus reset = cluster.store(follower).raftStore().regionStatus(SimCluster.REGION_ID);
            assertThat(reset).as("the store started, with the region's peer").isNotNull();
            assertThat(reset.region().getPeersCount())
                    .as("the peer starts empty")
                    .isZero();

            commands.onLeader(SimCommands.put("after", "reset"), TIMEOUT_MS);
            assertThat(cluster.awaitConverged(TIMEOUT_MS)).isTrue();
            RaftStore.RegionStatus caughtUp =
                    cluster.store(follower).raftStore().regionStatus(SimCluster.REGION_ID);
            assertThat(caughtUp.region().getPeersCount())
                    .as("initialized by a fresh snapshot")
                    .isEqualTo(3);
            assertThat(cluster.dataOf(follower)).isEqualTo(cluster.dataOf(cluster.leaderStore()));
            assertThat(cluster.dataOf(follower))
                    .containsKey(
                            java.util.HexFormat.of().formatHex(Keys.dataKey("k0".getBytes(StandardCharsets.UTF_8))));
        }
    }
}
