package io.tinykv.raftstore;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.google.protobuf.ByteString;
import io.tinykv.proto.Eraftpb.ConfState;
import io.tinykv.proto.Eraftpb.HardState;
import io.tinykv.proto.Eraftpb.Snapshot;
import io.tinykv.proto.Eraftpb.SnapshotMetadata;
import io.tinykv.proto.Metapb;
import io.tinykv.proto.RaftServerpb.RaftSnapshotData;
import io.tinykv.raft.Ready;
import io.tinykv.raft.SnapshotTemporarilyUnavailableException;
import io.tinykv.storage.Cf;
import io.tinykv.storage.EngineWriteBatch;
import io.tinykv.storage.Engines;
import io.tinykv.storage.Keys;
import io.tinykv.storage.SnapshotReader;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The in-memory snapshot format, generation on a worker, and installation next to other regions. */
class SnapshotDataTest {

    /** Region 1 holds [b, m) on stores 1-3; keys outside it belong to other regions. */
    private static final Metapb.Region REGION = TestEngines.region(1, 1, 1, 2, 2, 3, 3).toBuilder()
            .setStartKey(ByteString.copyFromUtf8("b")).setEndKey(ByteString.copyFromUtf8("m")).build();

    @TempDir
    Path dir;

    private static byte[] raw(String s) {
        return s.getBytes(StandardCharsets.UTF_8);
    }

    private static void put(Engines engines, Cf cf, String key, String value) {
        try (EngineWriteBatch wb = engines.kv().newWriteBatch()) {
            wb.put(cf, Keys.dataKey(raw(key)), raw(value));
            engines.kv().write(wb, true);
        }
    }

    private static String get(Engines engines, Cf cf, String key) {
        byte[] value = engines.kv().get(cf, Keys.dataKey(raw(key)));
        return value == null ? null : new String(value, StandardCharsets.UTF_8);
    }

    private RaftSnapshotData buildFrom(Engines engines) {
        try (SnapshotReader reader = engines.kv().snapshot()) {
            return SnapshotData.build(REGION, reader);
        }
    }

    @Test
    void buildTakesOnlyTheRegionsRangeAndParseChecksIt() {
        try (Engines engines = TestEngines.open(dir.resolve("a"))) {
            put(engines, Cf.DEFAULT, "a", "outside");
            put(engines, Cf.DEFAULT, "c", "1");
            put(engines, Cf.LOCK, "d", "2");
            put(engines, Cf.WRITE, "l", "3");
            put(engines, Cf.DEFAULT, "m", "outside");
            RaftSnapshotData data = buildFrom(engines);
            assertThat(data.getDataCount()).isEqualTo(3);

            SnapshotData.ParsedSnapshot parsed = SnapshotData.parse(data.toByteString(), 1);
            assertThat(parsed.region()).isEqualTo(REGION);
            assertThat(parsed.sections()).extracting(SnapshotData.CfSection::cf)
                    .containsExactly(Cf.DEFAULT, Cf.LOCK, Cf.WRITE);
            assertThat(parsed.sections()).allSatisfy(section -> assertThat(section.pairs()).hasSize(1));
        }
    }

    @Test
    void damagedSnapshotsAreRefusedNamingTheProblem() {
        try (Engines engines = TestEngines.open(dir.resolve("a"))) {
            put(engines, Cf.DEFAULT, "c", "1");
            put(engines, Cf.DEFAULT, "d", "2");
            RaftSnapshotData data = buildFrom(engines);

            RaftSnapshotData flipped = data.toBuilder().setData(0, data.getData(0).toBuilder()
                    .setValue(ByteString.copyFromUtf8("X"))).build();
            assertThatThrownBy(() -> SnapshotData.parse(flipped.toByteString(), 1))
                    .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("checksum");

            RaftSnapshotData truncated = data.toBuilder().removeData(1).build();
            assertThatThrownBy(() -> SnapshotData.parse(truncated.toByteString(), 1))
                    .isInstanceOf(IllegalArgumentException.class);

            put(engines, Cf.DEFAULT, "x", "beyond m");
            RaftSnapshotData wide;
            try (SnapshotReader reader = engines.kv().snapshot()) {
                wide = SnapshotData.build(REGION.toBuilder().setEndKey(ByteString.EMPTY).build(), reader);
            }
            // Consistent checksums, but a pair beyond the region the snapshot claims to hold.
            RaftSnapshotData outside = wide.toBuilder().setRegion(REGION).build();
            assertThatThrownBy(() -> SnapshotData.parse(outside.toByteString(), 1))
                    .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("outside the region");

            assertThatThrownBy(() -> SnapshotData.parse(data.toByteString(), 2))
                    .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("sent to region 2");
            assertThatThrownBy(() -> SnapshotData.parse(ByteString.copyFromUtf8("garbage"), 1))
                    .isInstanceOf(IllegalArgumentException.class);
        }
    }

    @Test
    void snapshotIsGeneratedOnTheWorkerAndInstalledWithoutTouchingOtherRegions() {
        List<Runnable> worker = new ArrayList<>();
        Snapshot snapshot;
        try (Engines leader = TestEngines.open(dir.resolve("leader"))) {
            PeerStorage.writeBootstrapState(leader, REGION);
            PeerStorage storage = PeerStorage.open(leader, REGION, worker::add);
            put(leader, Cf.DEFAULT, "c", "new");
            assertThatThrownBy(storage::snapshot).isInstanceOf(SnapshotTemporarilyUnavailableException.class);
            assertThatThrownBy(storage::snapshot).as("still generating")
                    .isInstanceOf(SnapshotTemporarilyUnavailableException.class);
            assertThat(worker).hasSize(1);
            worker.remove(0).run();
            snapshot = storage.snapshot();
            assertThat(snapshot.getMetadata().getIndex()).isEqualTo(PeerStorage.RAFT_INIT_LOG_INDEX);
            assertThat(snapshot.getMetadata().getConfState().getVotersList()).containsExactly(1L, 2L, 3L);
        }
        // Pretend the snapshot is further ahead than the follower, as when it is sent.
        long index = 20;
        long term = 7;
        Snapshot ahead = snapshot.toBuilder().setMetadata(SnapshotMetadata.newBuilder().setIndex(index).setTerm(term)
                .setConfState(ConfState.newBuilder().addVoters(1).addVoters(2).addVoters(3))).build();
        try (Engines follower = TestEngines.open(dir.resolve("follower"))) {
            put(follower, Cf.DEFAULT, "a", "other region");
            put(follower, Cf.DEFAULT, "d", "stale, not in the snapshot");
            PeerStorage storage = PeerStorage.open(follower, Metapb.Region.newBuilder().setId(1).build(), worker::add);
            try (EngineWriteBatch raftWb = follower.raft().newWriteBatch()) {
                storage.saveReady(new Ready(null, HardState.newBuilder().setTerm(term).setCommit(index).build(),
                        List.of(), List.of(), ahead, List.of(), List.of()), raftWb);
                follower.raft().write(raftWb, true);
            }
            assertThat(storage.appliedIndex()).isEqualTo(index);
            assertThat(storage.firstIndex()).isEqualTo(index + 1);
            assertThat(storage.term(index)).isEqualTo(term);
            assertThat(storage.region()).isEqualTo(REGION);
            assertThat(get(follower, Cf.DEFAULT, "c")).isEqualTo("new");
            assertThat(get(follower, Cf.DEFAULT, "d")).isNull();
            assertThat(get(follower, Cf.DEFAULT, "a")).as("another region's data").isEqualTo("other region");
        }
        try (Engines follower = TestEngines.open(dir.resolve("follower"))) {
            PeerStorage reopened = PeerStorage.open(follower, REGION, worker::add);
            assertThat(reopened.appliedIndex()).isEqualTo(index);
            assertThat(reopened.lastIndex()).isEqualTo(index);
        }
    }

    @Test
    void aCrashBetweenTheSnapshotsKvAndRaftWritesIsRepairedAtOpen() {
        List<Runnable> worker = new ArrayList<>();
        try (Engines engines = TestEngines.open(dir)) {
            PeerStorage.writeBootstrapState(engines, REGION);
            PeerStorage storage = PeerStorage.open(engines, REGION, worker::add);
            Snapshot snapshot = Snapshot.newBuilder().setData(buildFrom(engines).toByteString())
                    .setMetadata(SnapshotMetadata.newBuilder().setIndex(30).setTerm(8)).build();
            try (EngineWriteBatch raftWb = engines.raft().newWriteBatch()) {
                storage.saveReady(new Ready(null, HardState.newBuilder().setTerm(8).setCommit(30).build(),
                        List.of(), List.of(), snapshot, List.of(), List.of()), raftWb);
                // The raft-engine half is never written: the process died here.
            }
        }
        try (Engines engines = TestEngines.open(dir)) {
            PeerStorage storage = PeerStorage.open(engines, REGION, worker::add);
            assertThat(storage.appliedIndex()).isEqualTo(30);
            assertThat(storage.lastIndex()).isEqualTo(30);
            assertThat(storage.term(30)).isEqualTo(8);
            assertThat(storage.initialState().hardState().getCommit()).isEqualTo(30);
        }
    }
}
