package io.tinykv.raftstore;

import static org.assertj.core.api.Assertions.assertThat;

import io.tinykv.proto.Metapb;
import io.tinykv.proto.RaftCmdpb.RaftCmdRequest;
import io.tinykv.proto.RaftCmdpb.RaftRequestHeader;
import io.tinykv.storage.Engines;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.SplittableRandom;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Commands sent while their peer is destroyed: each gets exactly one answer. Before, a send that
 * found the mailbox just before {@code destroy} drained it queued the command into a mailbox
 * nobody read again, and the client waited for its timeout.
 */
class RouterRaceTest {

    private static final long STORE_ID = 1;
    private static final long REGION_ID = 1;
    private static final int ROUNDS = 300;
    private static final int SENDERS = 3;
    private static final int COMMANDS_PER_SENDER = 40;
    private static final long DEADLINE_SECONDS = 60;

    @TempDir
    Path dir;

    @Test
    void everyCommandRacingTheDestroyOfItsPeerIsAnsweredExactlyOnce() throws Exception {
        Metapb.Region region = TestEngines.region(REGION_ID, 1, STORE_ID);
        RaftCmdRequest command = RaftCmdRequest.newBuilder()
                .setHeader(RaftRequestHeader.newBuilder().setRegionId(REGION_ID))
                .build();
        Transport nowhere = message -> {};
        ExecutorService senders = Executors.newFixedThreadPool(
                SENDERS, Thread.ofPlatform().daemon().name("sender-", 0).factory());
        int answeredByDrain = 0;
        int refused = 0;
        try (Engines engines = TestEngines.open(dir)) {
            RaftStore.bootstrapStore(engines, 1, STORE_ID);
            RaftStore.bootstrapRegion(engines, region);
            for (int round = 0; round < ROUNDS; round++) {
                RaftStore store = new RaftStore(
                        STORE_ID,
                        engines,
                        RaftstoreConfig.defaults(),
                        nowhere,
                        Runnable::run,
                        new SplittableRandom(round));
                List<AtomicInteger> answers = new ArrayList<>();
                List<List<AtomicInteger>> perSender = new ArrayList<>();
                for (int s = 0; s < SENDERS; s++) {
                    List<AtomicInteger> mine = new ArrayList<>();
                    for (int c = 0; c < COMMANDS_PER_SENDER; c++) {
                        mine.add(new AtomicInteger());
                    }
                    perSender.add(mine);
                    answers.addAll(mine);
                }
                AtomicInteger immediate = new AtomicInteger();
                CountDownLatch go = new CountDownLatch(1);
                List<Future<?>> sent = new ArrayList<>();
                for (List<AtomicInteger> mine : perSender) {
                    sent.add(senders.submit(() -> {
                        go.await();
                        for (AtomicInteger answered : mine) {
                            Thread sender = Thread.currentThread();
                            store.propose(command, new Callback(command, result -> {
                                answered.incrementAndGet();
                                if (Thread.currentThread() == sender) {
                                    immediate.incrementAndGet();
                                }
                            }));
                        }
                        return null;
                    }));
                }
                go.countDown();
                // This thread plays the Raft thread: it destroys every peer while the commands arrive.
                store.close();
                for (Future<?> f : sent) {
                    f.get(DEADLINE_SECONDS, TimeUnit.SECONDS);
                }
                for (int i = 0; i < answers.size(); i++) {
                    assertThat(answers.get(i).get())
                            .as("round %d, command %d: answers", round, i)
                            .isEqualTo(1);
                }
                refused += immediate.get();
                answeredByDrain += answers.size() - immediate.get();
            }
        } finally {
            senders.shutdownNow();
        }
        // Both sides of the race were exercised: commands queued before the destroy and refused after it.
        assertThat(answeredByDrain).isPositive();
        assertThat(refused).isPositive();
    }

    @Test
    void aSecondCompletionIsLoggedAndDroppedNotThrown() {
        RaftCmdRequest command = RaftCmdRequest.newBuilder()
                .setHeader(RaftRequestHeader.newBuilder().setRegionId(REGION_ID))
                .build();
        List<CmdResult> delivered = new ArrayList<>();
        Callback callback = new Callback(command, delivered::add);
        CmdResult first = RegionErrors.result(RegionErrors.regionNotFound(REGION_ID), 1);
        CmdResult second = RegionErrors.result(RegionErrors.regionNotFound(REGION_ID), 2);

        assertThat(callback.complete(first)).isTrue();
        assertThat(callback.complete(second))
                .as("dropped, without an exception into the Raft thread")
                .isFalse();
        assertThat(delivered).containsExactly(first);
        assertThat(Callback.describe(command)).isEqualTo("[region 1]");
    }
}
