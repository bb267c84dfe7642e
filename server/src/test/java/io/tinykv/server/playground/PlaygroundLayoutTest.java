package io.tinykv.server.playground;

import static io.tinykv.scheduler.ClientKeyMode.RAW;
import static io.tinykv.scheduler.ClientKeyMode.TXN;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.Test;

class PlaygroundLayoutTest {
    private static final Path DIR = Path.of("/tmp/pg");

    @Test
    void schedulerAndStoresGetTheirOwnFoldersPortsAndLogs() {
        PlaygroundLayout layout = new PlaygroundLayout(DIR, "127.0.0.1", 3, 2379, 20160, RAW);

        assertThat(layout.pdAddress()).isEqualTo("127.0.0.1:2379");
        assertThat(layout.storeAddresses()).containsExactly("127.0.0.1:20160", "127.0.0.1:20161", "127.0.0.1:20162");
        assertThat(layout.scheduler())
                .isEqualTo(new ChildSpec(
                        "scheduler",
                        "127.0.0.1:2379",
                        List.of(
                                "scheduler",
                                "--addr",
                                "127.0.0.1:2379",
                                "--status-addr",
                                "127.0.0.1:2399",
                                "--data-dir",
                                "/tmp/pg/scheduler",
                                "--max-replicas",
                                "3",
                                "--client-key-mode",
                                "RAW"),
                        DIR.resolve("scheduler.log")));
        assertThat(layout.store(2))
                .isEqualTo(new ChildSpec(
                        "store2",
                        "127.0.0.1:20161",
                        List.of(
                                "server",
                                "--pd",
                                "127.0.0.1:2379",
                                "--addr",
                                "127.0.0.1:20161",
                                "--status-addr",
                                "127.0.0.1:20181",
                                "--peer-addr",
                                "127.0.0.1:20201",
                                "--data-dir",
                                "/tmp/pg/store2"),
                        DIR.resolve("store2.log")));
        assertThat(layout.children())
                .extracting(ChildSpec::name)
                .containsExactly("scheduler", "store1", "store2", "store3");
        assertThat(layout.schedulerStatusAddress()).isEqualTo("127.0.0.1:2399");
    }

    @Test
    void enableTtlIsPassedToEveryStoreAndNotToTheScheduler() {
        PlaygroundLayout layout = new PlaygroundLayout(DIR, "127.0.0.1", 2, 2379, 20160, RAW, true);
        assertThat(layout.store(1).args()).endsWith("--enable-ttl");
        assertThat(layout.store(2).args()).endsWith("--enable-ttl");
        assertThat(layout.scheduler().args()).doesNotContain("--enable-ttl");
        assertThat(new PlaygroundLayout(DIR, "127.0.0.1", 2, 2379, 20160, RAW)
                        .store(1)
                        .args())
                .doesNotContain("--enable-ttl");
    }

    @Test
    void theSameArgumentsGiveTheSameLayoutSoARestartFindsItsData() {
        assertThat(new PlaygroundLayout(DIR, "127.0.0.1", 3, 2379, 20160, RAW).children())
                .isEqualTo(new PlaygroundLayout(DIR, "127.0.0.1", 3, 2379, 20160, RAW).children());
    }

    @Test
    void theClientKeyModeGoesToTheScheduler() {
        assertThat(new PlaygroundLayout(DIR, "127.0.0.1", 3, 2379, 20160, TXN)
                        .scheduler()
                        .args())
                .containsSequence("--client-key-mode", "TXN");
    }

    @Test
    void fewerStoresThanThreeMeanFewerReplicas() {
        assertThat(new PlaygroundLayout(DIR, "127.0.0.1", 1, 2379, 20160, RAW).maxReplicas())
                .isEqualTo(1);
        assertThat(new PlaygroundLayout(DIR, "127.0.0.1", 2, 2379, 20160, RAW).maxReplicas())
                .isEqualTo(2);
        assertThat(new PlaygroundLayout(DIR, "127.0.0.1", 5, 2379, 20160, RAW).maxReplicas())
                .isEqualTo(3);
        assertThat(new PlaygroundLayout(DIR, "127.0.0.1", 1, 2379, 20160, RAW)
                        .scheduler()
                        .args())
                .containsSequence("--max-replicas", "1");
    }

    @Test
    void badLayoutsAreRefusedWithTheOptionNamed() {
        assertThatThrownBy(() -> new PlaygroundLayout(DIR, "127.0.0.1", 0, 2379, 20160, RAW))
                .hasMessageContaining("--stores must be between 1 and");
        assertThatThrownBy(() -> new PlaygroundLayout(DIR, "127.0.0.1", 3, 0, 20160, RAW))
                .hasMessageContaining("--pd-port must be a port");
        assertThatThrownBy(() -> new PlaygroundLayout(DIR, "127.0.0.1", 3, 2379, 65530, RAW))
                .hasMessageContaining("--base-port 65530 leaves no room");
        assertThatThrownBy(() -> new PlaygroundLayout(DIR, "127.0.0.1", 3, 20161, 20160, RAW))
                .hasMessageContaining("--pd-port 20161 collides with store 2");
        assertThatThrownBy(() -> new PlaygroundLayout(DIR, "127.0.0.1", 3, 20180, 20160, RAW))
                .hasMessageContaining("collides with store 1");
        assertThatThrownBy(() -> new PlaygroundLayout(DIR, "127.0.0.1", 3, 20200, 20160, RAW))
                .as("store 1's peer port")
                .hasMessageContaining("collides with store 1");
        assertThatThrownBy(() -> new PlaygroundLayout(DIR, "127.0.0.1", 3, 2379, 20160, RAW).store(4))
                .hasMessageContaining("store 4 is not in 1..3");
    }
}
