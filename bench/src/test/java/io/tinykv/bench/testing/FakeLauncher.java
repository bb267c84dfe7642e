package io.tinykv.bench.testing;

import io.tinykv.bench.proc.ManagedProcess;
import io.tinykv.bench.proc.ProcessLauncher;
import io.tinykv.bench.proc.ProcessSpec;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.function.ToIntFunction;

/** Starts nothing; remembers what it was asked to start and run, and what was stopped. */
public final class FakeLauncher implements ProcessLauncher {

    public final List<FakeProcess> started = new ArrayList<>();
    public final List<ProcessSpec> ran = new ArrayList<>();
    public final List<String> stopOrder = new ArrayList<>();
    private final ToIntFunction<ProcessSpec> exitCodes;
    private long nextPid = 100;

    public FakeLauncher(ToIntFunction<ProcessSpec> exitCodes) {
        this.exitCodes = exitCodes;
    }

    public FakeLauncher() {
        this(spec -> 0);
    }

    @Override
    public synchronized ManagedProcess start(ProcessSpec spec) {
        FakeProcess p = new FakeProcess(spec, nextPid++);
        started.add(p);
        return p;
    }

    @Override
    public synchronized int run(ProcessSpec spec, Duration timeout) {
        ran.add(spec);
        return exitCodes.applyAsInt(spec);
    }

    /** A process that is alive until stopped. */
    public final class FakeProcess implements ManagedProcess {
        public final ProcessSpec spec;
        private final long pid;
        private boolean alive = true;

        FakeProcess(ProcessSpec spec, long pid) {
            this.spec = spec;
            this.pid = pid;
        }

        @Override
        public String name() {
            return spec.name();
        }

        @Override
        public long pid() {
            return pid;
        }

        @Override
        public synchronized boolean isAlive() {
            return alive;
        }

        @Override
        public void stop(Duration grace) {
            synchronized (this) {
                alive = false;
            }
            synchronized (FakeLauncher.this) {
                stopOrder.add(spec.name());
            }
        }
    }
}
