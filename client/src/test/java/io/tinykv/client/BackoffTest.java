package io.tinykv.client;

import static org.assertj.core.api.Assertions.assertThat;

import java.time.Duration;
import org.junit.jupiter.api.Test;

class BackoffTest {
    private final FakeClock clock = new FakeClock();

    @Test
    void waitsDoublePerKindUpToTheirCap() {
        Backoff backoff = new Backoff(clock, 1_000_000);
        long[] expected = {2, 4, 8, 16, 32, 64, 128, 256, 500, 500};

        for (long wait : expected) {
            long before = clock.nowMillis();
            assertThat(backoff.sleepThenRetry(BackoffKind.REGION_MISS, "miss", 0))
                    .isTrue();
            assertThat(clock.nowMillis() - before).isEqualTo(wait);
        }
        long before = clock.nowMillis();
        backoff.sleepThenRetry(BackoffKind.SERVER_BUSY, "busy", 0);
        assertThat(clock.nowMillis() - before).isEqualTo(BackoffKind.SERVER_BUSY.schedule.firstSleepMs());
    }

    @Test
    void aServerHintRaisesTheWait() {
        Backoff backoff = new Backoff(clock, 1_000_000);

        backoff.sleepThenRetry(BackoffKind.SERVER_BUSY, "busy", 700);

        assertThat(clock.sleptMs()).isEqualTo(700);
    }

    @Test
    void stopsOnceTheBudgetIsSpentAndNeverSleepsPastIt() {
        long budgetMs = 100;
        Backoff backoff = new Backoff(clock, budgetMs);
        int granted = 0;
        while (backoff.sleepThenRetry(BackoffKind.STORE_UNREACHABLE, "down", 0)) {
            granted++;
        }

        assertThat(granted).isEqualTo(1);
        assertThat(clock.sleptMs()).isEqualTo(budgetMs);
        assertThat(backoff.givingUpMessage())
                .contains("gave up after 1 retries")
                .contains("last error: down");
        assertThat(backoff.retryNow(BackoffKind.REGION_MISS, "again")).isFalse();
    }

    @Test
    void immediateRetriesAreFewThenTurnIntoWaits() {
        Backoff backoff = new Backoff(clock, 1_000_000);

        for (int i = 0; i < Backoff.MAX_IMMEDIATE_RETRIES; i++) {
            assertThat(backoff.retryNow(BackoffKind.REGION_MISS, "hint")).isTrue();
        }
        assertThat(clock.sleeps()).isZero();
        assertThat(backoff.retryNow(BackoffKind.REGION_MISS, "hint")).isTrue();
        assertThat(clock.sleeps()).isEqualTo(1);
        assertThat(backoff.retries()).isEqualTo(Backoff.MAX_IMMEDIATE_RETRIES + 1);
    }

    @Test
    void anInterruptedSleepEndsTheRetries() {
        Clock interrupting = new Clock() {
            @Override
            public long nanoTime() {
                return 0;
            }

            @Override
            public void sleep(Duration duration) throws InterruptedException {
                throw new InterruptedException();
            }

            @Override
            public void waitOn(Object monitor, long deadlineNanos) throws InterruptedException {
                throw new InterruptedException();
            }
        };
        Backoff backoff = new Backoff(interrupting, 1_000);

        assertThat(backoff.sleepThenRetry(BackoffKind.REGION_MISS, "miss", 0)).isFalse();
        assertThat(Thread.interrupted()).isTrue(); // the flag was restored (and is cleared here)
        assertThat(backoff.givingUpMessage()).startsWith("interrupted");
    }
}
