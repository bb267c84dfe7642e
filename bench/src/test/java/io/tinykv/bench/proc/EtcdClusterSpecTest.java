package io.tinykv.bench.proc;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.nio.file.Path;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import org.junit.jupiter.api.Test;

class EtcdClusterSpecTest {

    private static final Path BIN = Path.of("/usr/bin/etcd");
    private static final Path DATA = Path.of("/out/data/etcd");
    private static final Path LOGS = Path.of("/out/logs");

    private static String flag(List<String> command, String name) {
        int i = command.indexOf(name);
        assertThat(i).as("flag %s present", name).isNotNegative();
        return command.get(i + 1);
    }

    @Test
    void threeMembersGetDistinctPortsAndDataDirsUnderTheOutDir() {
        EtcdClusterSpec spec = new EtcdClusterSpec(BIN, 3, "127.0.0.1", 32379, DATA, LOGS);
        assertThat(spec.ports()).containsExactly(32379, 32380, 32381, 32382, 32383, 32384);
        assertThat(new HashSet<>(spec.ports())).hasSize(6);
        assertThat(spec.clientEndpoints())
                .containsExactly("http://127.0.0.1:32379", "http://127.0.0.1:32381", "http://127.0.0.1:32383");

        Set<String> dataDirs = new HashSet<>();
        for (int i = 0; i < 3; i++) {
            ProcessSpec member = spec.memberSpec(i);
            List<String> cmd = member.command();
            assertThat(cmd.get(0)).isEqualTo("/usr/bin/etcd");
            assertThat(flag(cmd, "--name")).isEqualTo("etcd-" + (i + 1));
            String dataDir = flag(cmd, "--data-dir");
            assertThat(Path.of(dataDir).startsWith(DATA))
                    .as("%s is under %s", dataDir, DATA)
                    .isTrue();
            dataDirs.add(dataDir);
            assertThat(flag(cmd, "--listen-client-urls")).isEqualTo("http://127.0.0.1:" + spec.clientPort(i));
            assertThat(flag(cmd, "--advertise-client-urls")).isEqualTo("http://127.0.0.1:" + spec.clientPort(i));
            assertThat(flag(cmd, "--listen-peer-urls")).isEqualTo("http://127.0.0.1:" + spec.peerPort(i));
            assertThat(flag(cmd, "--initial-advertise-peer-urls")).isEqualTo("http://127.0.0.1:" + spec.peerPort(i));
            assertThat(flag(cmd, "--initial-cluster"))
                    .isEqualTo(
                            "etcd-1=http://127.0.0.1:32380,etcd-2=http://127.0.0.1:32382,etcd-3=http://127.0.0.1:32384");
            assertThat(flag(cmd, "--initial-cluster-state")).isEqualTo("new");
            assertThat(flag(cmd, "--initial-cluster-token")).isEqualTo(EtcdClusterSpec.CLUSTER_TOKEN);
            assertThat(member.logFile()).isEqualTo(LOGS.resolve("etcd-" + (i + 1) + ".log"));
        }
        assertThat(dataDirs).hasSize(3);
    }

    @Test
    void singleMemberClusterNamesOnlyItself() {
        EtcdClusterSpec spec = new EtcdClusterSpec(BIN, 1, "127.0.0.1", 40000, DATA, LOGS);
        assertThat(spec.memberSpecs()).hasSize(1);
        assertThat(flag(spec.memberSpec(0).command(), "--initial-cluster")).isEqualTo("etcd-1=http://127.0.0.1:40001");
        assertThat(spec.clientEndpoints()).containsExactly("http://127.0.0.1:40000");
    }

    @Test
    void portsOutOfRangeOrNoMembersAreRejected() {
        assertThatThrownBy(() -> new EtcdClusterSpec(BIN, 3, "127.0.0.1", 65_532, DATA, LOGS))
                .hasMessageContaining("out of range");
        assertThatThrownBy(() -> new EtcdClusterSpec(BIN, 0, "127.0.0.1", 2379, DATA, LOGS))
                .hasMessageContaining("at least one member");
    }

    @Test
    void tinykvStandaloneCommandLine() {
        TinyKvStandaloneSpec spec = new TinyKvStandaloneSpec(
                Path.of("/repo/bin/tinykv"),
                "127.0.0.1",
                20960,
                Path.of("/out/data/tinykv"),
                Path.of("/out/logs/tinykv.log"));
        ProcessSpec p = spec.processSpec();
        assertThat(p.command())
                .containsExactly(
                        "/repo/bin/tinykv",
                        "standalone",
                        "--addr",
                        "127.0.0.1:20960",
                        "--data-dir",
                        "/out/data/tinykv",
                        "--status-addr",
                        "");
        assertThat(p.workDir()).isEqualTo(Path.of("/repo"));
        assertThat(spec.address()).isEqualTo("127.0.0.1:20960");
    }
}
