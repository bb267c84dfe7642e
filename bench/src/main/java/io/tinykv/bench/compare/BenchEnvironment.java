package io.tinykv.bench.compare;

import io.tinykv.bench.driver.BenchDriver;
import io.tinykv.bench.proc.EtcdInstaller;
import io.tinykv.bench.proc.NetworkServiceProbe;
import io.tinykv.bench.proc.OsProcessLauncher;
import io.tinykv.bench.proc.ProcessGroup;
import io.tinykv.bench.proc.ProcessLauncher;
import io.tinykv.bench.proc.ServiceProbe;
import io.tinykv.bench.target.TargetFactory;
import io.tinykv.client.Clock;
import java.io.PrintStream;
import java.nio.file.Path;
import java.util.Optional;
import java.util.function.Function;

/**
 * Everything a comparison touches outside itself — processes, network probes, targets, time and the
 * console — so tests can run the orchestration with fakes.
 *
 * @param which finds an executable on the PATH
 * @param shutdownHook whether started processes are also stopped on JVM shutdown (Ctrl-C)
 */
public record BenchEnvironment(
        ProcessLauncher launcher,
        ServiceProbe probe,
        TargetFactory targets,
        Clock clock,
        PrintStream log,
        Function<String, Optional<Path>> which,
        boolean shutdownHook) {

    /** The real machine: processes, sockets, the system clock, stderr for progress. */
    public static BenchEnvironment system() {
        return new BenchEnvironment(
                new OsProcessLauncher(),
                new NetworkServiceProbe(),
                TargetFactory.DEFAULT,
                Clock.system(),
                System.err,
                EtcdInstaller::onPath,
                true);
    }

    ProcessGroup newProcessGroup() {
        return new ProcessGroup(launcher, log, ProcessGroup.DEFAULT_STOP_GRACE, shutdownHook);
    }

    BenchDriver driver() {
        return new BenchDriver(clock, log);
    }
}
