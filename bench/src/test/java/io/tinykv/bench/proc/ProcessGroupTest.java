package io.tinykv.bench.proc;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.tinykv.bench.testing.FakeLauncher;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import org.junit.jupiter.api.Test;

class ProcessGroupTest {

    private static ProcessSpec spec(String name) {
        return new ProcessSpec(name, List.of("/bin/true"), Path.of("/tmp"), Path.of("/tmp/" + name + ".log"), Map.of());
    }

    @Test
    void closeStopsEveryProcessNewestFirstAndOnlyOnce() throws Exception {
        FakeLauncher launcher = new FakeLauncher();
        ProcessGroup group = new ProcessGroup(launcher, null, Duration.ofSeconds(1), false);
        group.start(spec("a"));
        group.start(spec("b"));
        group.start(spec("c"));
        group.close();
        group.close();
        assertThat(launcher.stopOrder).containsExactly("c", "b", "a");
        assertThat(launcher.started).noneMatch(p -> p.isAlive());
        assertThatThrownBy(() -> group.start(spec("d"))).hasMessageContaining("closed");
    }

    @Test
    void closeStopsTheRestWhenOneStopFails() throws Exception {
        FakeLauncher launcher = new FakeLauncher();
        ManagedProcess exploding = new ManagedProcess() {
            @Override
            public String name() {
                return "exploding";
            }

            @Override
            public long pid() {
                return 1;
            }

            @Override
            public boolean isAlive() {
                return true;
            }

            @Override
            public void stop(Duration grace) {
                throw new IllegalStateException("cannot signal");
            }
        };
        ProcessLauncher mixed = new ProcessLauncher() {
            @Override
            public ManagedProcess start(ProcessSpec s) {
                return s.name().equals("x") ? exploding : launcher.start(s);
            }

            @Override
            public int run(ProcessSpec s, Duration timeout) {
                return 0;
            }
        };
        ProcessGroup group = new ProcessGroup(mixed, null, Duration.ofSeconds(1), false);
        group.start(spec("a"));
        group.start(spec("x"));
        group.close();
        assertThat(launcher.stopOrder).containsExactly("a");
    }

    @Test
    void installerUsesAptGetOnlyWhenEtcdIsMissing() throws Exception {
        FakeLauncher launcher = new FakeLauncher();
        EtcdInstaller present =
                new EtcdInstaller(launcher, name -> Optional.of(Path.of("/opt/etcd")), Path.of("/tmp"), System.err);
        assertThat(present.ensureInstalled()).isEqualTo(Path.of("/opt/etcd"));
        assertThat(launcher.ran).isEmpty();

        boolean[] installed = {false};
        FakeLauncher apt = new FakeLauncher(s -> {
            installed[0] = true;
            return 0;
        });
        EtcdInstaller missing = new EtcdInstaller(
                apt,
                name -> installed[0] ? Optional.of(Path.of("/usr/bin/etcd")) : Optional.empty(),
                Path.of("/tmp"),
                new java.io.PrintStream(java.io.OutputStream.nullOutputStream()));
        assertThat(missing.ensureInstalled()).isEqualTo(Path.of("/usr/bin/etcd"));
        assertThat(apt.ran).hasSize(1);
        assertThat(apt.ran.get(0).command()).containsExactly("apt-get", "install", "-y", "-q", "etcd-server");
    }

    @Test
    void installerRefreshesPackageListsOnceThenGivesAClearError() {
        FakeLauncher apt = new FakeLauncher(s -> 100);
        EtcdInstaller installer = new EtcdInstaller(
                apt,
                name -> Optional.empty(),
                Path.of("/tmp"),
                new java.io.PrintStream(java.io.OutputStream.nullOutputStream()));
        assertThatThrownBy(installer::ensureInstalled).hasMessageContaining("could not install etcd-server");
        assertThat(apt.ran).extracting(ProcessSpec::name).containsExactly("apt-get install", "apt-get update");
    }
}
