package io.tinykv.testkit.wait;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.time.Duration;
import java.util.Optional;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.Test;

class AwaitTest {

    @Test
    void returnsOnceTheConditionHoldsAndLooksAgainUntilThen() {
        AtomicInteger looks = new AtomicInteger();
        Await.until(() -> looks.incrementAndGet() >= 3, Duration.ofSeconds(30), "the third look");
        assertThat(looks).hasValue(3);
    }

    @Test
    void failsPastTheDeadlineNamingWhatItWaitedFor() {
        assertThatThrownBy(() -> Await.until(() -> false, Duration.ZERO, "pigs fly"))
                .isInstanceOf(AssertionError.class)
                .hasMessageContaining("pigs fly");
        assertThat(Await.holdsWithin(() -> false, Duration.ZERO)).isFalse();
    }

    @Test
    void aConditionAlreadyTrueHoldsEvenWithNoTimeLeft() {
        assertThat(Await.holdsWithin(() -> true, Duration.ZERO)).isTrue();
    }

    @Test
    void returnsTheValueTheProbeFound() {
        AtomicInteger looks = new AtomicInteger();
        String found = Await.value(
                () -> looks.incrementAndGet() < 2 ? Optional.empty() : Optional.of("v" + looks.get()),
                Duration.ofSeconds(30),
                "a value");
        assertThat(found).isEqualTo("v2");
    }

    @Test
    void anInterruptedWaiterStopsWaiting() {
        Thread.currentThread().interrupt();
        try {
            assertThatThrownBy(() -> Await.until(() -> false, Duration.ofSeconds(30), "never"))
                    .isInstanceOf(IllegalStateException.class);
        } finally {
            Thread.interrupted();
        }
    }
}
