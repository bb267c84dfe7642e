package io.tinykv.raftstore.peer;

import static org.assertj.core.api.Assertions.assertThat;

import com.google.protobuf.ByteString;
import io.tinykv.raftstore.Callback;
import io.tinykv.raftstore.CmdResult;
import io.tinykv.raftstore.LogGcWorker;
import io.tinykv.raftstore.RaftstoreConfig;
import io.tinykv.raftstore.TestEngines;
import io.tinykv.raftstore.apply.Applier;
import io.tinykv.raftstore.read.ReadExecutor;
import io.tinykv.raftstore.read.ReadStats;
import io.tinykv.storage.Engines;
import io.tinykv.storage.ProcessHalter;
import java.nio.file.Path;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicReference;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * A lease read is checked against the clock after its data was read, when it is answered: a leader
 * that paused between the lease check and the read (a GC, a stopped process) must not answer from
 * what may by then be stale state. One peer alone in its region, the clock in the test's hands.
 */
class LeaseCheckedWhenTheReadIsAnsweredTest {

    private static final ByteString KEY = ByteString.copyFromUtf8("k");
    private static final ByteString VALUE = ByteString.copyFromUtf8("v");

    @TempDir
    Path dir;

    private long nowNanos = 1_000;

    @Test
    void aLeaseThatRunsOutWhileTheReadReadsSendsItToAReadIndexRound() {
        try (Engines engines = TestEngines.open(dir)) {
            RaftstoreConfig config = RaftstoreConfig.defaults();
            Peer peer = SoloPeerDriver.bootstrap(engines, config, () -> nowNanos);
            Applier applier = new Applier(engines, new LogGcWorker(engines, Runnable::run, ProcessHalter.RUNTIME));
            SoloPeerDriver.drain(engines, peer, applier, entries -> applier.apply(peer, entries));
            assertThat(peer.isLeader()).isTrue();

            AtomicReference<CmdResult> put = new AtomicReference<>();
            peer.handleCommand(SoloPeerDriver.put(KEY, VALUE), new Callback(put::set), applier);
            SoloPeerDriver.drain(engines, peer, applier, entries -> applier.apply(peer, entries));
            assertThat(put.get().isError()).isFalse();

            AtomicReference<CmdResult> byLease = new AtomicReference<>();
            peer.handleCommand(SoloPeerDriver.get(KEY), new Callback(byLease::set), applier);
            assertThat(byLease.get())
                    .as("the committed write renewed the lease: answered at once")
                    .isNotNull();
            assertThat(peer.readStats()).isEqualTo(new ReadStats(1, 0));

            // The process pauses for a whole lease while the read reads: the lease was valid when
            // the read began and is not when it would be answered.
            long leaseNanos = TimeUnit.MILLISECONDS.toNanos(config.maxLeaseMs());
            ReadExecutor pausing = (request, region, term) -> {
                nowNanos += leaseNanos;
                return applier.execute(request, region, term);
            };
            AtomicReference<CmdResult> paused = new AtomicReference<>();
            peer.handleCommand(SoloPeerDriver.get(KEY), new Callback(paused::set), pausing);
            assertThat(paused.get()).as("not answered from the lease").isNull();
            assertThat(peer.readStats()).isEqualTo(new ReadStats(1, 1));
            SoloPeerDriver.drain(engines, peer, applier, entries -> applier.apply(peer, entries));
            assertThat(paused.get()).as("answered by its ReadIndex round").isNotNull();
            assertThat(paused.get().response().getResponses(0).getGet().getValue())
                    .isEqualTo(VALUE);
        }
    }
}
