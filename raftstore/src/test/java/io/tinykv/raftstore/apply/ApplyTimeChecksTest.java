package io.tinykv.raftstore.apply;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.google.protobuf.ByteString;
import io.tinykv.proto.Eraftpb.ConfChange;
import io.tinykv.proto.Eraftpb.ConfChangeType;
import io.tinykv.proto.Eraftpb.Entry;
import io.tinykv.proto.Eraftpb.EntryType;
import io.tinykv.proto.Metapb;
import io.tinykv.proto.RaftCmdpb.AdminCmdType;
import io.tinykv.proto.RaftCmdpb.AdminRequest;
import io.tinykv.proto.RaftCmdpb.ChangePeerRequest;
import io.tinykv.proto.RaftCmdpb.CmdType;
import io.tinykv.proto.RaftCmdpb.PutRequest;
import io.tinykv.proto.RaftCmdpb.RaftCmdRequest;
import io.tinykv.proto.RaftCmdpb.RaftRequestHeader;
import io.tinykv.proto.RaftCmdpb.Request;
import io.tinykv.proto.RaftServerpb.RaftApplyState;
import io.tinykv.raftstore.Callback;
import io.tinykv.raftstore.CmdResult;
import io.tinykv.raftstore.LogGcWorker;
import io.tinykv.raftstore.RaftstoreConfig;
import io.tinykv.raftstore.TestEngines;
import io.tinykv.raftstore.pd.RegionHeartbeats;
import io.tinykv.raftstore.peer.Peer;
import io.tinykv.raftstore.peer.PeerStorage;
import io.tinykv.raftstore.peer.Proposal;
import io.tinykv.storage.Cf;
import io.tinykv.storage.Engines;
import io.tinykv.storage.Keys;
import io.tinykv.storage.ProcessHalter;
import java.nio.file.Path;
import java.util.List;
import java.util.SplittableRandom;
import java.util.concurrent.atomic.AtomicReference;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * DESIGN.md §4, step 5: apply checks every command again, whatever the leader checked when it
 * proposed. Committed entries are handed to the {@link Applier} directly, so that what the
 * propose-time checks would have stopped reaches apply: the entry may have been proposed under
 * another region (a split or merge changed it since), or by another leader whose entry replaced
 * the one a proposal waits for.
 */
class ApplyTimeChecksTest {

    /** One peer over ["a", "m"): it leads at once. */
    private static final Metapb.Region REGION = TestEngines.region(1, 1, 1).toBuilder()
            .setStartKey(ByteString.copyFromUtf8("a"))
            .setEndKey(ByteString.copyFromUtf8("m"))
            .build();

    @TempDir
    Path dir;

    private Engines engines;
    private Peer peer;
    private Applier applier;
    /** The index the next committed entry takes. */
    private long index;

    @BeforeEach
    void openPeer() {
        engines = TestEngines.open(dir);
        peer = newPeer(engines);
        applier = new Applier(engines, new LogGcWorker(engines, Runnable::run, ProcessHalter.RUNTIME));
        index = peer.storage().appliedIndex() + 1;
    }

    @AfterEach
    void close() {
        engines.close();
    }

    private static RaftCmdRequest put(String key, Metapb.RegionEpoch epoch) {
        return RaftCmdRequest.newBuilder()
                .setHeader(RaftRequestHeader.newBuilder()
                        .setRegionId(REGION.getId())
                        .setPeer(REGION.getPeers(0))
                        .setRegionEpoch(epoch))
                .addRequests(Request.newBuilder()
                        .setCmdType(CmdType.Put)
                        .setPut(PutRequest.newBuilder()
                                .setCf("default")
                                .setKey(ByteString.copyFromUtf8(key))
                                .setValue(ByteString.copyFromUtf8("v"))))
                .build();
    }

    private static Entry entry(long index, long term, RaftCmdRequest request) {
        return Entry.newBuilder()
                .setIndex(index)
                .setTerm(term)
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

    private static byte[] stored(Engines engines, String key) {
        return engines.kv().get(Cf.DEFAULT, Keys.dataKey(key.getBytes(java.nio.charset.StandardCharsets.UTF_8)));
    }

    @Test
    void aCommittedWriteOutsideTheRegionIsAnsweredKeyNotInRegionAndNotApplied() {
        AtomicReference<CmdResult> inside = new AtomicReference<>();
        AtomicReference<CmdResult> outside = new AtomicReference<>();
        peer.proposals().addLast(new Proposal(index, 1, new Callback(inside::set)));
        peer.proposals().addLast(new Proposal(index + 1, 1, new Callback(outside::set)));

        applier.apply(
                peer,
                List.of(
                        entry(index, 1, put("b", REGION.getRegionEpoch())),
                        entry(index + 1, 1, put("z", REGION.getRegionEpoch()))));

        assertThat(inside.get().isError())
                .as("a key inside the region is written")
                .isFalse();
        assertThat(stored(engines, "b")).isNotNull();
        assertThat(outside.get()
                        .response()
                        .getHeader()
                        .getError()
                        .getKeyNotInRegion()
                        .getKey())
                .isEqualTo(ByteString.copyFromUtf8("z"));
        assertThat(stored(engines, "z"))
                .as("a key outside the region is never written")
                .isNull();
        assertThat(peer.storage().appliedIndex())
                .as("the refused entry is applied all the same")
                .isEqualTo(index + 1);
    }

    /** The Applier's promise: a client that hears "done" and then reads sees its write. */
    @Test
    void aWriteIsInTheKvEngineWithItsApplyStateWhenItsCallbackRuns() {
        AtomicReference<byte[]> seenByCallback = new AtomicReference<>();
        AtomicReference<RaftApplyState> stateSeenByCallback = new AtomicReference<>();
        peer.proposals().addLast(new Proposal(index, 1, new Callback(result -> {
            seenByCallback.set(stored(engines, "b"));
            stateSeenByCallback.set(
                    engines.kv().getMessage(Cf.DEFAULT, Keys.applyStateKey(REGION.getId()), RaftApplyState.parser()));
        })));

        applier.apply(peer, List.of(entry(index, 1, put("b", REGION.getRegionEpoch()))));

        assertThat(seenByCallback.get()).as("the write, read from the callback").isNotNull();
        assertThat(stateSeenByCallback.get().getAppliedIndex()).isEqualTo(index);
    }

    @Test
    void aCommittedWriteProposedUnderAnOlderEpochIsAnsweredEpochNotMatchAndNotApplied() {
        AtomicReference<CmdResult> answer = new AtomicReference<>();
        peer.proposals().addLast(new Proposal(index, 1, new Callback(answer::set)));
        Metapb.RegionEpoch older = REGION.getRegionEpoch().toBuilder()
                .setVersion(REGION.getRegionEpoch().getVersion() - 1)
                .build();

        applier.apply(peer, List.of(entry(index, 1, put("b", older))));

        assertThat(answer.get().response().getHeader().getError().hasEpochNotMatch())
                .isTrue();
        assertThat(stored(engines, "b")).isNull();
    }

    @Test
    void aCommittedConfChangeProposedUnderAnOlderConfVersionChangesNothing() {
        Metapb.Peer added = Metapb.Peer.newBuilder().setId(9).setStoreId(9).build();
        Metapb.RegionEpoch older = REGION.getRegionEpoch().toBuilder()
                .setConfVer(REGION.getRegionEpoch().getConfVer() - 1)
                .build();
        RaftCmdRequest addPeer = RaftCmdRequest.newBuilder()
                .setHeader(RaftRequestHeader.newBuilder()
                        .setRegionId(REGION.getId())
                        .setPeer(REGION.getPeers(0))
                        .setRegionEpoch(older))
                .setAdminRequest(AdminRequest.newBuilder()
                        .setCmdType(AdminCmdType.ChangePeer)
                        .setChangePeer(ChangePeerRequest.newBuilder()
                                .setChangeType(ConfChangeType.AddNode)
                                .setPeer(added)))
                .build();
        Entry entry = Entry.newBuilder()
                .setIndex(index)
                .setTerm(1)
                .setEntryType(EntryType.EntryConfChange)
                .setData(ConfChange.newBuilder()
                        .setChangeType(ConfChangeType.AddNode)
                        .setNodeId(added.getId())
                        .setContext(addPeer.toByteString())
                        .build()
                        .toByteString())
                .build();
        AtomicReference<CmdResult> answer = new AtomicReference<>();
        peer.proposals().addLast(new Proposal(index, 1, new Callback(answer::set)));

        applier.apply(peer, List.of(entry));

        assertThat(answer.get().response().getHeader().getError().hasEpochNotMatch())
                .isTrue();
        assertThat(peer.region()).as("the region is unchanged").isEqualTo(REGION);
        assertThat(peer.raftNode().status().progress())
                .as("Raft did not add the peer")
                .doesNotContainKey(9L);
    }

    @Test
    void aProposalWhoseEntryWasReplacedByAnotherTermIsAnsweredStaleCommand() {
        AtomicReference<CmdResult> replaced = new AtomicReference<>();
        AtomicReference<CmdResult> overtaken = new AtomicReference<>();
        // Proposed in term 1 at index and index + 1; a leader of term 2 committed its own entries there.
        peer.proposals().addLast(new Proposal(index, 1, new Callback(replaced::set)));
        peer.proposals().addLast(new Proposal(index + 1, 1, new Callback(overtaken::set)));

        applier.apply(
                peer,
                List.of(
                        entry(index, 2, put("b", REGION.getRegionEpoch())),
                        Entry.newBuilder().setIndex(index + 1).setTerm(2).build()));

        assertThat(replaced.get().response().getHeader().getError().hasStaleCommand())
                .as("the entry at the proposal's index has another term")
                .isTrue();
        assertThat(overtaken.get().response().getHeader().getError().hasStaleCommand())
                .as("a no-op of a new term overtook it")
                .isTrue();
        assertThat(peer.proposals()).isEmpty();
    }

    /**
     * The leader applies the request its proposal holds rather than parsing the entry again, but
     * only for the entry at the proposal's index and term: where a new leader's entry replaced it,
     * what is applied is that entry's own command.
     */
    @Test
    void aReplacedProposalsHeldRequestIsNeverApplied() {
        AtomicReference<CmdResult> own = new AtomicReference<>();
        AtomicReference<CmdResult> replaced = new AtomicReference<>();
        RaftCmdRequest putB = put("b", REGION.getRegionEpoch());
        RaftCmdRequest putC = put("c", REGION.getRegionEpoch());
        peer.proposals().addLast(new Proposal(index, 1, new Callback(own::set), 0, putB));
        peer.proposals().addLast(new Proposal(index + 1, 1, new Callback(replaced::set), 0, putB));

        applier.apply(peer, List.of(entry(index, 1, putB), entry(index + 1, 2, putC)));

        assertThat(own.get().isError()).isFalse();
        assertThat(replaced.get().response().getHeader().getError().hasStaleCommand())
                .isTrue();
        assertThat(stored(engines, "c"))
                .as("the entry of term 2 is applied from its own bytes")
                .isNotNull();
    }

    /** With assertions on, the held request is checked to be the entry's bytes. */
    @Test
    void aHeldRequestThatIsNotTheEntrysBytesFailsTheAssertion() {
        peer.proposals()
                .addLast(new Proposal(index, 1, new Callback(result -> {}), 0, put("b", REGION.getRegionEpoch())));

        assertThatThrownBy(() -> applier.apply(peer, List.of(entry(index, 1, put("c", REGION.getRegionEpoch())))))
                .isInstanceOf(AssertionError.class)
                .hasMessageContaining("is not the request proposed there");
    }
}
