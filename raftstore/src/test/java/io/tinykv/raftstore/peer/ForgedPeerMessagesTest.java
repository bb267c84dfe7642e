package io.tinykv.raftstore.peer;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.google.protobuf.ByteString;
import io.tinykv.proto.Eraftpb;
import io.tinykv.proto.Metapb;
import io.tinykv.proto.RaftServerpb.RaftMessage;
import io.tinykv.proto.RaftServerpb.SnapshotCFFile;
import io.tinykv.raftstore.RaftstoreConfig;
import io.tinykv.raftstore.TestEngines;
import io.tinykv.raftstore.UninitializedPeerLimit;
import io.tinykv.raftstore.pd.RegionHeartbeats;
import io.tinykv.raftstore.snapshot.SnapshotData;
import io.tinykv.raftstore.snapshot.SnapshotValidator;
import io.tinykv.storage.Cf;
import io.tinykv.storage.Engines;
import io.tinykv.storage.Keys;
import io.tinykv.storage.SstFileBuilder;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import java.util.SplittableRandom;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * What a peer sends is checked before it can destroy or overwrite anything, TLS or not: a tombstone
 * that does not come from a newer configuration of the region, a snapshot whose files hold keys
 * outside its region's data range (another region's, or this store's local metadata), and empty
 * peers created by messages beyond the cap.
 */
class ForgedPeerMessagesTest {

    /** Region 1 over ["b", "m"), peers 1, 2, 3 on stores 1, 2, 3; this replica is peer 2. */
    private static final Metapb.Region REGION = TestEngines.region(1, 1, 1, 2, 2, 3, 3).toBuilder()
            .setStartKey(ByteString.copyFromUtf8("b"))
            .setEndKey(ByteString.copyFromUtf8("m"))
            .build();

    private static final Metapb.Peer SELF = REGION.getPeers(1);

    @TempDir
    Path dir;

    private Peer replica(Engines engines) {
        PeerStorage.writeBootstrapState(engines, REGION);
        RaftstoreConfig config = RaftstoreConfig.defaults();
        return new Peer(
                SELF.getStoreId(),
                SELF,
                PeerStorage.open(engines, REGION, Runnable::run),
                config,
                new SplittableRandom(2),
                RegionHeartbeats.none(config));
    }

    private static RaftMessage tombstone(Metapb.Peer from, long confVer) {
        return RaftMessage.newBuilder()
                .setRegionId(REGION.getId())
                .setFromPeer(from)
                .setToPeer(SELF)
                .setRegionEpoch(REGION.getRegionEpoch().toBuilder().setConfVer(confVer))
                .setIsTombstone(true)
                .setMessage(Eraftpb.Message.newBuilder().setMsgType(Eraftpb.MessageType.MsgHeartbeat))
                .build();
    }

    @Test
    void aTombstoneThatIsNotFromANewerConfigurationLeavesTheReplicaAndItsRegionIntact() {
        long confVer = REGION.getRegionEpoch().getConfVer();
        try (Engines engines = TestEngines.open(dir)) {
            Peer peer = replica(engines);
            // The replica's own configuration, an older one, one claiming to come from this very store,
            // and one naming no sender: none may destroy it.
            peer.step(tombstone(REGION.getPeers(0), confVer));
            peer.step(tombstone(REGION.getPeers(0), confVer - 1));
            peer.step(tombstone(
                    Metapb.Peer.newBuilder()
                            .setId(9)
                            .setStoreId(SELF.getStoreId())
                            .build(),
                    confVer + 1));
            peer.step(tombstone(Metapb.Peer.getDefaultInstance(), confVer + 1));
            peer.step(tombstone(REGION.getPeers(0), confVer + 1).toBuilder()
                    .setRegionEpoch(REGION.getRegionEpoch().toBuilder()
                            .setConfVer(confVer + 1)
                            .setVersion(0))
                    .build());
            assertThat(peer.isRemoved()).isFalse();
            assertThat(peer.region()).isEqualTo(REGION);

            // The same tombstone from a newer configuration does destroy it: the refusals above were the checks'.
            peer.step(tombstone(REGION.getPeers(0), confVer + 1));
            assertThat(peer.isRemoved()).isTrue();
        }
    }

    private Path sst(String name, byte[]... keys) {
        Path file = dir.resolve(name + ".sst");
        try (SstFileBuilder builder = SstFileBuilder.create(file)) {
            for (byte[] key : keys) {
                builder.put(key, "v".getBytes(StandardCharsets.US_ASCII));
            }
            builder.finish();
        }
        return file;
    }

    private static byte[] data(String userKey) {
        return Keys.dataKey(userKey.getBytes(StandardCharsets.US_ASCII));
    }

    private static SnapshotData.ParsedSnapshot snapshotOf(Metapb.Region region) {
        return new SnapshotData.ParsedSnapshot(
                region,
                List.of(SnapshotCFFile.newBuilder()
                        .setCf(Cf.DEFAULT.apiName())
                        .setSize(1)
                        .build()),
                1);
    }

    @Test
    void aSnapshotWhoseFilesHoldKeysOutsideItsRegionIsRefused() {
        SnapshotData.ParsedSnapshot snapshot = snapshotOf(REGION);
        Path inside = sst("inside", data("b"), data("c"), data("lzzz"));
        SnapshotValidator.check(snapshot, SELF, cf -> inside);

        // This store's region state (a local key) smuggled in, a key before the range, the end key itself.
        Path metadata = sst("metadata", Keys.regionStateKey(REGION.getId()), data("c"));
        assertThatThrownBy(() -> SnapshotValidator.check(snapshot, SELF, cf -> metadata))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("outside the region's data range");
        Path before = sst("before", data("a"), data("c"));
        assertThatThrownBy(() -> SnapshotValidator.check(snapshot, SELF, cf -> before))
                .hasMessageContaining("outside the region's data range");
        Path atEnd = sst("at-end", data("c"), data("m"));
        assertThatThrownBy(() -> SnapshotValidator.check(snapshot, SELF, cf -> atEnd))
                .hasMessageContaining("outside the region's data range");
        Path beyondData = sst("beyond", data("c"), new byte[] {Keys.DATA_PREFIX + 1});
        assertThatThrownBy(() -> SnapshotValidator.check(
                        snapshotOf(
                                REGION.toBuilder().setEndKey(ByteString.EMPTY).build()),
                        SELF,
                        cf -> beyondData))
                .hasMessageContaining("outside the region's data range");
    }

    @Test
    void aSnapshotOfARegionThatDoesNotListTheReceiverIsRefused() {
        Path inside = sst("inside", data("c"));
        Metapb.Peer stranger =
                Metapb.Peer.newBuilder().setId(SELF.getId()).setStoreId(7).build();
        assertThatThrownBy(() -> SnapshotValidator.check(snapshotOf(REGION), stranger, cf -> inside))
                .hasMessageContaining("does not list peer");
    }

    @Test
    void emptyPeersCreatedByMessagesAreCappedUntilSomeGetTheirData() {
        UninitializedPeerLimit limit = new UninitializedPeerLimit(2);
        Set<Long> empty = new HashSet<>();
        for (long region = 1; region <= 2; region++) {
            assertThat(limit.admit(empty::contains)).isTrue();
            limit.created(region);
            empty.add(region);
        }
        assertThat(limit.admit(empty::contains)).as("at the cap").isFalse();
        empty.remove(1L); // region 1's peer got its snapshot
        assertThat(limit.admit(empty::contains)).isTrue();
    }
}
