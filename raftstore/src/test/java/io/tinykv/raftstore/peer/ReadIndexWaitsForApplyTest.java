package io.tinykv.raftstore.peer;

import static org.assertj.core.api.Assertions.assertThat;

import com.google.protobuf.ByteString;
import io.tinykv.proto.Eraftpb.Entry;
import io.tinykv.raftstore.Callback;
import io.tinykv.raftstore.CmdResult;
import io.tinykv.raftstore.LogGcWorker;
import io.tinykv.raftstore.RaftstoreConfig;
import io.tinykv.raftstore.TestEngines;
import io.tinykv.raftstore.apply.Applier;
import io.tinykv.storage.Engines;
import io.tinykv.storage.ProcessHalter;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.atomic.AtomicReference;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * DESIGN.md §4: a read is served from a kv snapshot taken after its read index is APPLIED, not
 * merely known. The test stands in for the batch system and holds back apply: a write committed
 * before the read asked is in the log but not yet in the kv engine, and the read must wait for it.
 */
class ReadIndexWaitsForApplyTest {

    private static final ByteString KEY = ByteString.copyFromUtf8("k");
    private static final ByteString VALUE = ByteString.copyFromUtf8("v");

    @TempDir
    Path dir;

    @Test
    void aReadWhoseIndexIsCommittedButNotAppliedWaitsAndThenSeesTheWrite() {
        try (Engines engines = TestEngines.open(dir)) {
            Peer peer = SoloPeerDriver.bootstrap(engines, RaftstoreConfig.defaults(), System::nanoTime);
            Applier applier = new Applier(engines, new LogGcWorker(engines, Runnable::run, ProcessHalter.RUNTIME));
            List<Entry> unapplied = new ArrayList<>();
            // Committed entries are collected, not applied.
            SoloPeerDriver.drain(engines, peer, applier, unapplied::addAll);
            assertThat(peer.isLeader()).isTrue();

            AtomicReference<CmdResult> put = new AtomicReference<>();
            peer.handleCommand(SoloPeerDriver.put(KEY, VALUE), new Callback(put::set));
            SoloPeerDriver.drain(engines, peer, applier, unapplied::addAll);
            long committedPut = unapplied.get(unapplied.size() - 1).getIndex();
            assertThat(peer.raftNode().status().hardState().getCommit())
                    .as("the write is committed")
                    .isGreaterThanOrEqualTo(committedPut);

            AtomicReference<CmdResult> get = new AtomicReference<>();
            peer.handleCommand(SoloPeerDriver.get(KEY), new Callback(get::set));
            SoloPeerDriver.drain(engines, peer, applier, unapplied::addAll);
            assertThat(peer.storage().appliedIndex()).isLessThan(committedPut);
            assertThat(get.get())
                    .as("the read index is known, the write before it not applied: the read waits")
                    .isNull();

            applier.apply(peer, unapplied);
            peer.serveReadyReads(applier);
            assertThat(put.get().isError()).isFalse();
            assertThat(get.get()).as("answered once applied").isNotNull();
            assertThat(get.get().response().getResponses(0).getGet().getValue()).isEqualTo(VALUE);
        }
    }
}
