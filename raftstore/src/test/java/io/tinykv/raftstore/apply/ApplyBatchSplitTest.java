package io.tinykv.raftstore.apply;

import static org.assertj.core.api.Assertions.assertThat;

import com.google.protobuf.ByteString;
import io.tinykv.proto.Eraftpb.Entry;
import io.tinykv.proto.Metapb;
import io.tinykv.proto.RaftCmdpb.AdminCmdType;
import io.tinykv.proto.RaftCmdpb.AdminRequest;
import io.tinykv.proto.RaftCmdpb.BatchSplitRequest;
import io.tinykv.proto.RaftCmdpb.CmdType;
import io.tinykv.proto.RaftCmdpb.PutRequest;
import io.tinykv.proto.RaftCmdpb.RaftCmdRequest;
import io.tinykv.proto.RaftCmdpb.RaftRequestHeader;
import io.tinykv.proto.RaftCmdpb.Request;
import io.tinykv.proto.RaftCmdpb.SplitRequest;
import io.tinykv.proto.RaftServerpb.PeerState;
import io.tinykv.proto.RaftServerpb.RaftApplyState;
import io.tinykv.proto.RaftServerpb.RegionLocalState;
import io.tinykv.raftstore.Callback;
import io.tinykv.raftstore.CmdResult;
import io.tinykv.raftstore.LogGcWorker;
import io.tinykv.raftstore.RaftstoreConfig;
import io.tinykv.raftstore.TestEngines;
import io.tinykv.raftstore.pd.RegionHeartbeats;
import io.tinykv.raftstore.peer.Peer;
import io.tinykv.raftstore.peer.PeerStorage;
import io.tinykv.raftstore.peer.Proposal;
import io.tinykv.raftstore.split.BatchSplits;
import io.tinykv.raftstore.split.SplitPeers;
import io.tinykv.storage.Cf;
import io.tinykv.storage.Engines;
import io.tinykv.storage.Keys;
import io.tinykv.storage.ProcessHalter;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.SplittableRandom;
import java.util.concurrent.atomic.AtomicReference;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Applying a BatchSplit ({@link Applier}, {@link BatchSplits}): every region of the split is
 * written in the one batch of its entry at version + N, refused splits change nothing and say why,
 * a region the store already holds is left alone, and an empty peer's Raft state survives the
 * split that initializes its region.
 */
class ApplyBatchSplitTest {

    /** Peers 1, 2, 3 on stores 1, 2, 3, over ["a", "z"), epoch {conf_ver 1, version 1}. */
    private static final Metapb.Region REGION = Metapb.Region.newBuilder()
            .setId(1)
            .setStartKey(bytes("a"))
            .setEndKey(bytes("z"))
            .setRegionEpoch(Metapb.RegionEpoch.newBuilder().setConfVer(1).setVersion(1))
            .addPeers(Metapb.Peer.newBuilder().setId(1).setStoreId(1))
            .addPeers(Metapb.Peer.newBuilder().setId(2).setStoreId(2))
            .addPeers(Metapb.Peer.newBuilder().setId(3).setStoreId(3))
            .build();

    @TempDir
    Path dir;

    private static ByteString bytes(String s) {
        return ByteString.copyFromUtf8(s);
    }

    private static SplitRequest split(String key, long regionId, long firstPeerId) {
        return SplitRequest.newBuilder()
                .setSplitKey(bytes(key))
                .setNewRegionId(regionId)
                .addNewPeerIds(firstPeerId)
                .addNewPeerIds(firstPeerId + 1)
                .addNewPeerIds(firstPeerId + 2)
                .build();
    }

    private static RaftCmdRequest batchSplit(Metapb.RegionEpoch epoch, SplitRequest... splits) {
        return RaftCmdRequest.newBuilder()
                .setHeader(RaftRequestHeader.newBuilder()
                        .setRegionId(1)
                        .setPeer(REGION.getPeers(0))
                        .setRegionEpoch(epoch))
                .setAdminRequest(AdminRequest.newBuilder()
                        .setCmdType(AdminCmdType.BatchSplit)
                        .setSplits(BatchSplitRequest.newBuilder().addAllRequests(List.of(splits))))
                .build();
    }

    private static Entry entry(long index, RaftCmdRequest request) {
        return Entry.newBuilder()
                .setIndex(index)
                .setTerm(6)
                .setData(request.toByteString())
                .build();
    }

    private static Peer newPeer(Engines engines) {
        PeerStorage.writeBootstrapState(engines, REGION);
        RaftstoreConfig config = RaftstoreConfig.defaults();
        return new Peer(
                1,
                REGION.getPeers(0),
                PeerStorage.open(engines, REGION, Runnable::run),
                config,
                new SplittableRandom(1),
                RegionHeartbeats.none(config));
    }

    /** Records what the applier asks of the store. */
    private static final class RecordingSplitPeers implements SplitPeers {
        final List<List<Metapb.Region>> created = new ArrayList<>();
        long refuse = -1;

        @Override
        public boolean mayCreate(Metapb.Region region) {
            return region.getId() != refuse;
        }

        @Override
        public void onSplitApplied(Peer origin, List<Metapb.Region> all, List<Metapb.Region> newRegions) {
            created.add(newRegions);
        }
    }

    private static Applier applier(Engines engines, SplitPeers peers) {
        return new Applier(engines, new LogGcWorker(engines, Runnable::run, ProcessHalter.RUNTIME), peers);
    }

    private static RegionLocalState state(Engines engines, long regionId) {
        return engines.kv().getMessage(Cf.DEFAULT, Keys.regionStateKey(regionId), RegionLocalState.parser());
    }

    @Test
    void oneBatchWritesEveryRegionAtTheNewVersionWithInitialApplyStates() {
        try (Engines engines = TestEngines.open(dir)) {
            Peer peer = newPeer(engines);
            RecordingSplitPeers peers = new RecordingSplitPeers();
            long index = peer.storage().appliedIndex() + 1;
            AtomicReference<CmdResult> result = new AtomicReference<>();
            peer.proposals().addLast(new Proposal(index, 6, new Callback(result::set)));

            applier(engines, peers)
                    .apply(
                            peer,
                            List.of(entry(
                                    index,
                                    batchSplit(REGION.getRegionEpoch(), split("g", 10, 11), split("p", 20, 21)))));

            assertThat(result.get().isError()).as("%s", result.get().response()).isFalse();
            List<Metapb.Region> regions =
                    result.get().response().getAdminResponse().getSplits().getRegionsList();
            assertThat(regions).extracting(Metapb.Region::getId).containsExactly(1L, 10L, 20L);
            assertThat(regions).extracting(r -> r.getStartKey().toStringUtf8()).containsExactly("a", "g", "p");
            assertThat(regions).extracting(r -> r.getEndKey().toStringUtf8()).containsExactly("g", "p", "z");
            assertThat(regions).allSatisfy(r -> {
                assertThat(r.getRegionEpoch().getVersion())
                        .as("version + number of new regions")
                        .isEqualTo(3);
                assertThat(r.getRegionEpoch().getConfVer()).isEqualTo(1);
                assertThat(r.getPeersList()).extracting(Metapb.Peer::getStoreId).containsExactly(1L, 2L, 3L);
            });
            assertThat(regions.get(1).getPeersList())
                    .extracting(Metapb.Peer::getId)
                    .containsExactly(11L, 12L, 13L);
            for (Metapb.Region r : regions) {
                assertThat(state(engines, r.getId()).getRegion())
                        .as("persisted with the split")
                        .isEqualTo(r);
                assertThat(state(engines, r.getId()).getState()).isEqualTo(PeerState.Normal);
            }
            RaftApplyState newApply =
                    engines.kv().getMessage(Cf.DEFAULT, Keys.applyStateKey(10), RaftApplyState.parser());
            assertThat(newApply.getAppliedIndex()).isEqualTo(PeerStorage.RAFT_INIT_LOG_INDEX);
            assertThat(peer.region()).isEqualTo(regions.get(0));
            assertThat(peer.splitOff()).isEqualTo(regions.subList(1, 3));
            assertThat(peers.created).containsExactly(regions.subList(1, 3));
        }
    }

    @Test
    void aWriteWithThePreSplitEpochAfterTheSplitIsAnsweredEpochNotMatchWithEveryRegion() {
        try (Engines engines = TestEngines.open(dir)) {
            Peer peer = newPeer(engines);
            long index = peer.storage().appliedIndex() + 1;
            AtomicReference<CmdResult> put = new AtomicReference<>();
            peer.proposals().addLast(new Proposal(index + 1, 6, new Callback(put::set)));
            RaftCmdRequest stalePut = RaftCmdRequest.newBuilder()
                    .setHeader(RaftRequestHeader.newBuilder().setRegionId(1).setRegionEpoch(REGION.getRegionEpoch()))
                    .addRequests(Request.newBuilder()
                            .setCmdType(CmdType.Put)
                            .setPut(PutRequest.newBuilder()
                                    .setCf("default")
                                    .setKey(bytes("q"))
                                    .setValue(bytes("v"))))
                    .build();

            applier(engines, new RecordingSplitPeers())
                    .apply(
                            peer,
                            List.of(
                                    entry(index, batchSplit(REGION.getRegionEpoch(), split("p", 20, 21))),
                                    entry(index + 1, stalePut)));

            var error = put.get().response().getHeader().getError();
            assertThat(error.getEpochNotMatch().getCurrentRegionsList())
                    .extracting(Metapb.Region::getId)
                    .containsExactly(1L, 20L);
            assertThat(engines.kv().get(Cf.DEFAULT, Keys.dataKey("q".getBytes())))
                    .isNull();
        }
    }

    @Test
    void badSplitsAreRefusedWithAClearErrorAndChangeNothing() {
        try (Engines engines = TestEngines.open(dir)) {
            Peer peer = newPeer(engines);
            Applier applier = applier(engines, new RecordingSplitPeers());
            record Bad(String why, RaftCmdRequest request) {}
            Metapb.RegionEpoch epoch = REGION.getRegionEpoch();
            List<Bad> bad = List.of(
                    new Bad("not above", batchSplit(epoch, split("p", 20, 21), split("g", 30, 31))),
                    new Bad("not in region", batchSplit(epoch, split("zz", 20, 21))),
                    new Bad("not above the region's start key", batchSplit(epoch, split("a", 20, 21))),
                    new Bad("duplicate", batchSplit(epoch, split("g", 20, 21), split("p", 20, 31))),
                    new Bad(
                            "new peer ids",
                            batchSplit(
                                    epoch,
                                    SplitRequest.newBuilder()
                                            .setSplitKey(bytes("g"))
                                            .setNewRegionId(20)
                                            .addNewPeerIds(21)
                                            .build())),
                    new Bad("epoch", batchSplit(epoch.toBuilder().setVersion(0).build(), split("g", 20, 21))));
            long index = peer.storage().appliedIndex();
            for (Bad b : bad) {
                index++;
                AtomicReference<CmdResult> result = new AtomicReference<>();
                peer.proposals().addLast(new Proposal(index, 6, new Callback(result::set)));
                applier.apply(peer, List.of(entry(index, b.request())));
                assertThat(result.get().isError()).as(b.why()).isTrue();
                assertThat(result.get().response().getHeader().getError().getMessage())
                        .as(b.why())
                        .contains(b.why());
            }
            assertThat(peer.region()).as("no refused split changed the region").isEqualTo(REGION);
            assertThat(state(engines, 20)).isNull();
            assertThat(state(engines, 30)).isNull();
        }
    }

    @Test
    void aNewRegionTheStoreAlreadyHoldsIsLeftAsItIs() {
        try (Engines engines = TestEngines.open(dir)) {
            Peer peer = newPeer(engines);
            RecordingSplitPeers peers = new RecordingSplitPeers();
            peers.refuse = 20; // e.g. its peer here is initialized by a snapshot already
            long index = peer.storage().appliedIndex() + 1;
            applier(engines, peers)
                    .apply(
                            peer,
                            List.of(entry(
                                    index,
                                    batchSplit(REGION.getRegionEpoch(), split("g", 10, 11), split("p", 20, 21)))));

            assertThat(state(engines, 10)).isNotNull();
            assertThat(state(engines, 20)).as("not overwritten").isNull();
            assertThat(peers.created.get(0)).extracting(Metapb.Region::getId).containsExactly(10L);
            assertThat(peer.region().getEndKey())
                    .as("the old region shrinks all the same")
                    .isEqualTo(bytes("g"));
        }
    }

    /**
     * A message for the new region created an empty peer here first, which voted in term 7: the
     * split's peer opened over its Raft state keeps that term and vote (no second vote in term 7),
     * and its log starts at the split's initial index.
     */
    @Test
    void theSplitPeerKeepsTheRaftStateOfTheEmptyPeerItReplaces() {
        try (Engines engines = TestEngines.open(dir)) {
            Peer peer = newPeer(engines);
            try (var raftWb = engines.raft().newWriteBatch()) {
                raftWb.put(
                        Cf.DEFAULT,
                        Keys.raftStateKey(20),
                        io.tinykv.proto.RaftServerpb.RaftLocalState.newBuilder()
                                .setHardState(io.tinykv.proto.Eraftpb.HardState.newBuilder()
                                        .setTerm(7)
                                        .setVote(22))
                                .build());
                engines.raft().write(raftWb, true);
            }
            long index = peer.storage().appliedIndex() + 1;
            AtomicReference<CmdResult> result = new AtomicReference<>();
            peer.proposals().addLast(new Proposal(index, 6, new Callback(result::set)));
            applier(engines, new RecordingSplitPeers())
                    .apply(peer, List.of(entry(index, batchSplit(REGION.getRegionEpoch(), split("p", 20, 21)))));
            Metapb.Region created =
                    result.get().response().getAdminResponse().getSplits().getRegions(1);

            PeerStorage storage = PeerStorage.open(engines, created, Runnable::run);

            assertThat(storage.raftState().getHardState().getTerm()).isEqualTo(7);
            assertThat(storage.raftState().getHardState().getVote()).isEqualTo(22);
            assertThat(storage.lastIndex()).isEqualTo(PeerStorage.RAFT_INIT_LOG_INDEX);
            assertThat(storage.appliedIndex()).isEqualTo(PeerStorage.RAFT_INIT_LOG_INDEX);
        }
    }

    /** An empty peer that only saw pre-votes (term 0) gets the split's initial term, not a term below its log. */
    @Test
    void anEmptyPeerBelowTheInitialTermIsRaisedToIt() {
        try (Engines engines = TestEngines.open(dir)) {
            Peer peer = newPeer(engines);
            try (var raftWb = engines.raft().newWriteBatch()) {
                raftWb.put(
                        Cf.DEFAULT,
                        Keys.raftStateKey(20),
                        io.tinykv.proto.RaftServerpb.RaftLocalState.newBuilder()
                                .setHardState(io.tinykv.proto.Eraftpb.HardState.newBuilder()
                                        .setTerm(0))
                                .build());
                engines.raft().write(raftWb, true);
            }
            long index = peer.storage().appliedIndex() + 1;
            AtomicReference<CmdResult> result = new AtomicReference<>();
            peer.proposals().addLast(new Proposal(index, 6, new Callback(result::set)));
            applier(engines, new RecordingSplitPeers())
                    .apply(peer, List.of(entry(index, batchSplit(REGION.getRegionEpoch(), split("p", 20, 21)))));

            PeerStorage storage = PeerStorage.open(
                    engines,
                    result.get().response().getAdminResponse().getSplits().getRegions(1),
                    Runnable::run);

            assertThat(storage.raftState().getHardState().getTerm()).isEqualTo(PeerStorage.RAFT_INIT_LOG_TERM);
        }
    }
}
