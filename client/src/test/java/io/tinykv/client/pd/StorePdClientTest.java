package io.tinykv.client.pd;

import static org.assertj.core.api.Assertions.assertThat;

import io.tinykv.client.FakeClock;
import io.tinykv.client.FakeCluster;
import io.tinykv.client.FakeEnv;
import io.tinykv.client.PdException;
import io.tinykv.testkit.wait.Await;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/** The store process's PD calls take their timestamps from the client's one TSO path, without waiting. */
class StorePdClientTest {
    /** Generous: only a broken client comes near it. */
    private static final Duration CONDITION_DEADLINE = Duration.ofSeconds(60);
    /** The deadline of one PD call; far above what an in-process answer takes. */
    private static final long TIMEOUT_MS = 60_000;

    private static final long MAX_BACKOFF_MS = 1_000;

    private final FakeEnv env = new FakeEnv(FakeCluster.threeRegions());
    private final StorePdClient store =
            StorePdClient.connect(env.pdAddresses(), env.channelFactory(), TIMEOUT_MS, MAX_BACKOFF_MS, new FakeClock());

    @AfterEach
    void tearDown() {
        store.close();
        env.close();
    }

    @Test
    void timestampsAreAskedForWithoutBlockingAndWaitingCallersShareOneRequest() throws Exception {
        CountDownLatch gate = env.pd().holdNextTso();

        // Each call returns while PD holds its answer: the round trip is the TSO thread's.
        CompletableFuture<Long> first = store.timestampAsync();
        Await.until(() -> env.pd().calls("Tso") == 1, CONDITION_DEADLINE, "the first request reaches PD");
        CompletableFuture<Long> second = store.timestampAsync();
        CompletableFuture<Long> third = store.timestampAsync();
        assertThat(List.of(first, second, third)).noneMatch(CompletableFuture::isDone);

        gate.countDown();

        long a = first.get(1, TimeUnit.MINUTES);
        List<Long> others = List.of(second.get(1, TimeUnit.MINUTES), third.get(1, TimeUnit.MINUTES));
        assertThat(env.pd().tsoCounts()).containsExactly(1, 2);
        assertThat(others)
                .allSatisfy(ts -> assertThat(ts).isGreaterThan(a))
                .containsExactly(others.get(0), others.get(0) + 1);
    }

    @Test
    void aTimestampAskedForAfterCloseFailsInsteadOfWaiting() {
        store.close();

        CompletableFuture<Long> late = store.timestampAsync();

        assertThat(late)
                .failsWithin(Duration.ofMinutes(1))
                .withThrowableOfType(ExecutionException.class)
                .withCauseInstanceOf(PdException.class);
    }
}
