package io.tinykv.bench.driver;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.tinykv.bench.workload.KeyDistribution;
import io.tinykv.bench.workload.Workload;
import java.time.Duration;
import org.junit.jupiter.api.Test;

/** The configuration's builder: the defaults, changing one field, and the same checks as the record. */
class DriverConfigTest {

    private static final DriverConfig CONFIG = DriverConfig.builder()
            .workload(Workload.B)
            .distribution(KeyDistribution.UNIFORM)
            .zipfianTheta(0.5)
            .recordCount(300)
            .keySizeBytes(12)
            .valueSizeBytes(40)
            .clients(3)
            .duration(Duration.ofSeconds(4))
            .operationCount(90)
            .warmup(Duration.ofSeconds(2))
            .load(false)
            .seed(17)
            .reportInterval(Duration.ofMillis(500))
            .threads(ThreadKind.VIRTUAL)
            .build();

    @Test
    void theBuilderSetsEveryFieldAndToBuilderKeepsThemAll() {
        assertThat(CONFIG)
                .isEqualTo(new DriverConfig(
                        Workload.B,
                        KeyDistribution.UNIFORM,
                        0.5,
                        300,
                        12,
                        40,
                        3,
                        Duration.ofSeconds(4),
                        90,
                        Duration.ofSeconds(2),
                        false,
                        17,
                        Duration.ofMillis(500),
                        ThreadKind.VIRTUAL));
        assertThat(CONFIG.toBuilder().build()).isEqualTo(CONFIG);
    }

    @Test
    void theDefaultsAreTheBuildersOwn() {
        DriverConfig defaults = DriverConfig.defaults(Workload.A, 2, Duration.ofSeconds(1));
        assertThat(defaults)
                .isEqualTo(DriverConfig.builder()
                        .workload(Workload.A)
                        .clients(2)
                        .duration(Duration.ofSeconds(1))
                        .build());
        assertThat(defaults.distribution()).isEqualTo(KeyDistribution.ZIPFIAN);
        assertThat(defaults.recordCount()).isEqualTo(DriverConfig.DEFAULT_RECORD_COUNT);
        assertThat(defaults.valueSizeBytes()).isEqualTo(DriverConfig.DEFAULT_VALUE_SIZE_BYTES);
        assertThat(defaults.load()).isTrue();
        assertThat(defaults.threads()).isEqualTo(ThreadKind.PLATFORM);
    }

    @Test
    void eachWithChangesOnlyItsField() {
        assertThat(CONFIG.withWorkload(Workload.W))
                .isEqualTo(CONFIG.toBuilder().workload(Workload.W).build());
        assertThat(CONFIG.withWorkload(Workload.W).workload()).isEqualTo(Workload.W);
        assertThat(CONFIG.withClients(8).clients()).isEqualTo(8);
        assertThat(CONFIG.withClients(8))
                .isEqualTo(CONFIG.toBuilder().clients(8).build());
        assertThat(CONFIG.withLoad(true))
                .isEqualTo(CONFIG.toBuilder().load(true).build());
        assertThat(CONFIG.runningFor(Duration.ofSeconds(9)))
                .as("a run for a duration drops the operation count and the warm-up")
                .isEqualTo(CONFIG.toBuilder()
                        .duration(Duration.ofSeconds(9))
                        .operationCount(0)
                        .warmup(Duration.ZERO)
                        .build());
    }

    @Test
    void theBuilderChecksAsTheConstructorDoes() {
        assertThatThrownBy(() -> DriverConfig.builder()
                        .clients(1)
                        .duration(Duration.ofSeconds(1))
                        .build())
                .hasMessageContaining("missing field");
        assertThatThrownBy(() -> CONFIG.toBuilder().clients(0).build()).hasMessageContaining("client count");
        assertThatThrownBy(() -> CONFIG.withClients(0)).hasMessageContaining("client count");
    }
}
