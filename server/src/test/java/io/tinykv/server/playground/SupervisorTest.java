package io.tinykv.server.playground;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ForkJoinPool;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The supervisor and child processes, with {@link StandInChild} as the child (real JVMs). */
class SupervisorTest {
    private static final Duration READY = Duration.ofSeconds(60);
    private static final Duration EXIT = Duration.ofSeconds(60);
    /** 128 + SIGTERM. */
    private static final int EXIT_ON_SIGTERM = 143;

    @TempDir
    Path dir;

    private final CompletableFuture<String> unexpected = new CompletableFuture<>();
    private Supervisor supervisor;

    private Supervisor supervisor() {
        JavaCommand java = JavaCommand.ofCurrentJvm(List.of("-Xmx64m", "-XX:TieredStopAtLevel=1"));
        supervisor = new Supervisor(
                spec -> ChildProcess.start(spec, java, StandInChild.class.getName()),
                (child, exitCode) -> unexpected.complete(child.name() + " exited " + exitCode));
        return supervisor;
    }

    private ChildSpec spec(String name, String... args) {
        return new ChildSpec(name, "127.0.0.1:0", List.of(args), dir.resolve(name + ".log"));
    }

    @AfterEach
    void killEverything() {
        if (supervisor != null) {
            supervisor.killAll();
        }
    }

    @Test
    void sigtermStopsEveryChildAndNoneCountsAsUnexpected() throws Exception {
        Supervisor s = supervisor();
        try (ReadySignal a = new ReadySignal();
                ReadySignal b = new ReadySignal()) {
            ChildProcess first = s.start(spec("one", "serve", Integer.toString(a.port())));
            ChildProcess second = s.start(spec("two", "serve", Integer.toString(b.port())));
            a.await(READY);
            b.await(READY);

            List<Supervisor.Stopped> stopped = s.stopAll(EXIT);

            assertThat(stopped)
                    .containsExactly(
                            new Supervisor.Stopped("one", first.pid(), EXIT_ON_SIGTERM, false),
                            new Supervisor.Stopped("two", second.pid(), EXIT_ON_SIGTERM, false));
            assertThat(first.isAlive()).isFalse();
            assertThat(second.isAlive()).isFalse();
        }
        assertThat(unexpected).isNotDone();
        assertThat(Files.readString(dir.resolve("one.log")))
                .startsWith("# ")
                .contains("playground starts one: tinykv serve ")
                .contains("stand-in ready");
    }

    @Test
    void aChildThatIgnoresSigtermIsKilledAfterTheGracePeriod() throws Exception {
        Supervisor s = supervisor();
        try (ReadySignal ready = new ReadySignal()) {
            ChildProcess stubborn = s.start(spec("stubborn", "ignore-term", Integer.toString(ready.port())));
            ready.await(READY);

            List<Supervisor.Stopped> stopped = s.stopAll(Duration.ofMillis(500));

            assertThat(stopped).hasSize(1);
            assertThat(stopped.get(0).killed()).isTrue();
            assertThat(stubborn.isAlive()).isFalse();
        }
    }

    @Test
    void anExitIsReportedWhileTheCommonPoolIsBusy() throws Exception {
        // A caller's long task on the common pool (a test's workload, a library's callbacks): on a
        // 2-core machine it takes the pool's only thread.
        CountDownLatch release = new CountDownLatch(ForkJoinPool.getCommonPoolParallelism());
        try {
            for (int i = 0; i < ForkJoinPool.getCommonPoolParallelism(); i++) {
                CompletableFuture.runAsync(() -> {
                    try {
                        release.await();
                    } catch (InterruptedException e) {
                        Thread.currentThread().interrupt();
                    }
                });
            }
            Supervisor s = supervisor();
            s.start(spec("crashy", "exit", "7"));
            assertThat(unexpected.get(EXIT.toSeconds(), TimeUnit.SECONDS)).isEqualTo("crashy exited 7");
            assertThat(release.getCount()).as("the pool was busy all along").isPositive();
        } finally {
            while (release.getCount() > 0) {
                release.countDown();
            }
        }
    }

    @Test
    void anUnexpectedExitIsReportedWithItsCode() throws Exception {
        Supervisor s = supervisor();
        s.start(spec("crashy", "exit", "7"));

        assertThat(unexpected.get(EXIT.toSeconds(), TimeUnit.SECONDS)).isEqualTo("crashy exited 7");
        assertThat(s.exited()).singleElement().asString().startsWith("crashy (exit code 7");

        try (ReadySignal ready = new ReadySignal()) {
            s.start(spec("crashy", "serve", Integer.toString(ready.port())));
            ready.await(READY);
            assertThat(s.exited()).as("restarted, so no longer ended").isEmpty();
        }
    }

    @Test
    void aChildStopsByItselfWhenItsParentIsGone() throws Exception {
        Supervisor s = supervisor();
        try (ReadySignal ready = new ReadySignal()) {
            ChildProcess orphan = s.start(spec("orphan", "serve", Integer.toString(ready.port())));
            ready.await(READY);

            orphan.cutLifeline(); // what the OS does to the pipe when the playground dies

            assertThat(orphan.awaitExit(EXIT)).isTrue();
            assertThat(orphan.exitCode()).isEqualTo(ChildMain.EXIT_PARENT_GONE);
            assertThat(Files.readString(dir.resolve("orphan.log"))).contains("is gone (stdin closed); stopping");
        }
    }

    @Test
    void noStartsOnceStoppingAndNoTwoLiveChildrenOfOneName() throws Exception {
        Supervisor s = supervisor();
        try (ReadySignal ready = new ReadySignal()) {
            s.start(spec("one", "serve", Integer.toString(ready.port())));
            assertThatThrownBy(() -> s.start(spec("one", "exit", "0")))
                    .isInstanceOf(IllegalStateException.class)
                    .hasMessageContaining("one is already running");
            ready.await(READY);
        }
        s.stopAll(EXIT);
        assertThatThrownBy(() -> s.start(spec("late", "exit", "0")))
                .isInstanceOf(IllegalStateException.class)
                .hasMessageContaining("stopping");
    }
}
