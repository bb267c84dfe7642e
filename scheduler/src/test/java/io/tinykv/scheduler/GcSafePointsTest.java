package io.tinykv.scheduler;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.nio.file.Path;
import java.time.Duration;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The GC safe point's rules: follows now - life time, never backwards, held back by services, durable. */
class GcSafePointsTest {

    private static final long LIFE_MILLIS = 600_000;
    private static final long NOW = 1_800_000_000_000L;

    @TempDir
    Path dir;

    private static long ts(long physicalMillis) {
        return physicalMillis << Tso.LOGICAL_BITS;
    }

    @Test
    void advancesToNowMinusLifeTimeAndNeverBackwards() {
        try (MetaStore meta = MetaStore.open(dir)) {
            GcSafePoints points = new GcSafePoints(meta);
            assertThat(points.safePoint()).isZero();
            assertThat(points.advance(NOW, LIFE_MILLIS)).isEqualTo(ts(NOW - LIFE_MILLIS));
            // The wall clock steps back: the safe point stays.
            assertThat(points.advance(NOW - 60_000, LIFE_MILLIS)).isEqualTo(ts(NOW - LIFE_MILLIS));
            // An explicit lower update changes nothing and says so.
            assertThat(points.update(ts(NOW - 2 * LIFE_MILLIS), NOW)).isEqualTo(ts(NOW - LIFE_MILLIS));
            assertThat(points.update(ts(NOW - 1_000), NOW)).isEqualTo(ts(NOW - 1_000));
        }
    }

    @Test
    void safePointAndServiceSafePointsSurviveARestart() {
        try (MetaStore meta = MetaStore.open(dir)) {
            GcSafePoints points = new GcSafePoints(meta);
            points.advance(NOW, LIFE_MILLIS);
            points.updateService("backup", 3_600, ts(NOW - 100), NOW);
        }
        try (MetaStore meta = MetaStore.open(dir)) {
            GcSafePoints points = new GcSafePoints(meta);
            assertThat(points.safePoint()).isEqualTo(ts(NOW - LIFE_MILLIS));
            assertThat(points.services(NOW)).containsKey("backup");
            // Still holding: an hour later the safe point stops at the backup's claim.
            assertThat(points.advance(NOW + 1_000_000, LIFE_MILLIS)).isEqualTo(ts(NOW - 100));
        }
    }

    @Test
    void aServiceSafePointHoldsTheSafePointBackUntilItExpiresOrIsRemoved() {
        try (MetaStore meta = MetaStore.open(dir)) {
            GcSafePoints points = new GcSafePoints(meta);
            GcSafePoints.ServiceAnswer answer = points.updateService("long-txn", 10, ts(NOW - 2 * LIFE_MILLIS), NOW);
            assertThat(answer.serviceId()).isEqualTo("long-txn");
            assertThat(answer.minSafePoint()).isEqualTo(ts(NOW - 2 * LIFE_MILLIS));
            assertThat(answer.ttlSeconds()).isEqualTo(10);

            assertThat(points.advance(NOW, LIFE_MILLIS)).isEqualTo(ts(NOW - 2 * LIFE_MILLIS));
            // UpdateGCSafePoint cannot push past it either.
            assertThat(points.update(ts(NOW), NOW)).isEqualTo(ts(NOW - 2 * LIFE_MILLIS));
            // Eleven seconds later the claim has expired.
            assertThat(points.advance(NOW + 11_000, LIFE_MILLIS)).isEqualTo(ts(NOW + 11_000 - LIFE_MILLIS));
            assertThat(points.services(NOW + 11_000)).isEmpty();

            points.updateService("backup", 3_600, ts(NOW), NOW + 11_000);
            assertThat(points.advance(NOW + LIFE_MILLIS + 50_000, LIFE_MILLIS)).isEqualTo(ts(NOW));
            // TTL 0 removes the claim.
            points.updateService("backup", 0, 0, NOW + LIFE_MILLIS + 50_000);
            assertThat(points.advance(NOW + LIFE_MILLIS + 50_000, LIFE_MILLIS)).isEqualTo(ts(NOW + 50_000));
        }
    }

    @Test
    void aServiceSafePointBelowTheGcSafePointIsRefused() {
        try (MetaStore meta = MetaStore.open(dir)) {
            GcSafePoints points = new GcSafePoints(meta);
            long safePoint = points.advance(NOW, LIFE_MILLIS);
            GcSafePoints.ServiceAnswer answer = points.updateService("late", 60, safePoint - 1, NOW);
            assertThat(answer.minSafePoint()).isGreaterThan(safePoint - 1);
            assertThat(points.services(NOW)).doesNotContainKey("late");
        }
    }

    @Test
    void timestampsCompareUnsigned() {
        try (MetaStore meta = MetaStore.open(dir)) {
            GcSafePoints points = new GcSafePoints(meta);
            points.updateService("far-future", 60, -1L, NOW); // u64 max
            assertThat(points.advance(NOW, LIFE_MILLIS)).isEqualTo(ts(NOW - LIFE_MILLIS));
        }
    }

    @Test
    void badGcSettingsAreRefusedByName() {
        assertThatThrownBy(() -> new GcConfig(Duration.ZERO, Duration.ofSeconds(1)))
                .hasMessageContaining("gc-life-time");
        assertThatThrownBy(() -> new GcConfig(Duration.ofMinutes(1), Duration.ofSeconds(-1)))
                .hasMessageContaining("gc-advance-interval");
    }
}
