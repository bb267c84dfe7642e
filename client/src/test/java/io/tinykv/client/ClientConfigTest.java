package io.tinykv.client;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.util.List;
import org.junit.jupiter.api.Test;

class ClientConfigTest {
    @Test
    void defaultsAreValidAndUrlsLoseTheirScheme() {
        ClientConfig config = ClientConfig.of(List.of("http://pd-1:2379/", "pd-2:2379"));

        assertThat(config.pdAddresses()).containsExactly("pd-1:2379", "pd-2:2379");
        assertThat(config.backoffBudgetMs()).isEqualTo(ClientConfig.DEFAULT_BACKOFF_BUDGET_MS);
        assertThat(config.withBackoffBudgetMs(0).backoffBudgetMs()).isZero();
    }

    @Test
    void rejectsBadSettingsNamingTheProblem() {
        assertThatThrownBy(() -> ClientConfig.of(List.of()))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("at least one PD address");
        assertThatThrownBy(() -> ClientConfig.of(List.of("localhost")))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("'localhost' is not host:port");
        assertThatThrownBy(() -> ClientConfig.of(List.of("localhost:http")))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("non-numeric port");
        assertThatThrownBy(() -> ClientConfig.of(List.of("localhost:70000")))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("out of range");
        assertThatThrownBy(() -> ClientConfig.of(List.of(" ")))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("blank");
        ClientConfig ok = ClientConfig.of(List.of("a:1"));
        assertThatThrownBy(() -> ok.withTimeoutsMs(0, 1))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("pdTimeoutMs");
        assertThatThrownBy(() -> ok.withTimeoutsMs(1, -5))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("kvTimeoutMs");
        assertThatThrownBy(() -> ok.withBackoffBudgetMs(-1))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("backoffBudgetMs");
        assertThatThrownBy(() -> ok.withScanPageSizeKeys(0))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("scanPageSizeKeys");
        assertThatThrownBy(() -> ok.withBatchSizeKeys(-1))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("batchSizeKeys");
    }
}
