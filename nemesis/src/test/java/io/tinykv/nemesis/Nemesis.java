package io.tinykv.nemesis;

import com.google.protobuf.ByteString;
import io.tinykv.testkit.wait.Await;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.locks.LockSupport;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Injects one {@link Fault} into a {@link NemesisCluster}: finds its target (the leader's store for
 * most), injects it, confirms it took effect, holds it for {@code hold}, heals it, and brings any
 * stopped store back. Every injection returns its evidence; the caller fails the test when it is
 * unconfirmed.
 */
final class Nemesis {
    private static final Logger LOG = LoggerFactory.getLogger(Nemesis.class);
    private static final long POLL_NANOS = Duration.ofMillis(50).toNanos();
    /** Below this the tmpfs counts as full (RocksDB cannot even write a small WAL block). */
    private static final long FULL_BELOW_BYTES = 1 << 20;
    /** Extra fills when the store freed space during the first. */
    private static final int DISK_FULL_REFILLS = 3;
    /** The exit code of a process ended by SIGKILL (128 + 9). */
    private static final int SIGKILLED = 137;
    /** One burst written while the disk is full; repeated until the store notices (its memtable is 1 MiB). */
    private static final long PRESSURE_BURST_BYTES = 1L << 20;
    /** How long a full disk waits for the store to notice, in holds. */
    private static final int DISK_FULL_MAX_HOLDS = 4;
    /** How many of a full store's warnings the evidence quotes. */
    private static final int PROBLEM_LINES = 3;
    /** What the JDK and RocksDB say when a write finds the disk full. */
    private static final String ENOSPC = "No space left on device";

    private static final int EVIDENCE_LINE_CHARS = 240;

    private final NemesisCluster cluster;
    private final Duration hold;
    private final Duration restart;
    private final WritePressure pressure;
    /** The full-disk store's log length at its last disk-full injection, or -1 (see {@link #reviveStoreStoppedByFullDisk}). */
    private long diskFullLogOffset = -1;

    private int lateStopsOnFullDisk;

    /**
     * Writes a burst of large values through a client while the disk is full, so that the full store
     * has to allocate new files (a memtable flush) within the fault rather than some time later.
     */
    @FunctionalInterface
    interface WritePressure {
        /**
         * Writes about {@code bytes} in chunks, none started after {@code deadlineNanos} ({@link System#nanoTime});
         * returns how many bytes were acknowledged. Failures are expected and not errors.
         */
        long write(long bytes, long deadlineNanos);

        /** Chunks of a burst: large enough that a few of them fill a 1 MiB memtable. */
        int CHUNK_BYTES = 64 * 1024;
    }

    /**
     * @param hold    how long a fault lasts; longer than the election timeout (2 s at most by default)
     * @param restart how long a restarted store may take to serve
     */
    Nemesis(NemesisCluster cluster, Duration hold, Duration restart, WritePressure pressure) {
        this.cluster = cluster;
        this.hold = hold;
        this.restart = restart;
        this.pressure = pressure;
    }

    /**
     * The full-disk store can stop on ENOSPC after its disk-full injection was judged: a write in
     * flight (an apply, a flush) fails once the ballast is gone from the nemesis's view but not
     * yet from the store's, or RocksDB stays read-only after a background error and the next
     * write fails. That is the fault's outcome, stopping being the store's right answer to a full
     * disk (DESIGN.md §6: fail-stop): it is taken as such and the store restarted, while a stop for
     * any other reason stays an unexpected exit. Called before every injection and at the end of
     * each phase.
     */
    void reviveStoreStoppedByFullDisk() {
        if (diskFullLogOffset < 0) {
            return;
        }
        int store = cluster.diskStore();
        if (cluster.isRunning(store)) {
            return;
        }
        // The process's last word (ServeUntilSignal's "tinykv: ..." line) must be the full disk.
        Optional<String> lastWord = cluster.storeLogSince(store, diskFullLogOffset)
                .lines()
                .filter(l -> l.startsWith("tinykv: "))
                .reduce((first, second) -> second);
        if (lastWord.isEmpty() || !lastWord.get().contains(ENOSPC)) {
            return;
        }
        String exit = cluster.takeExitOf(store);
        String line = lastWord.get();
        LOG.info(
                "store{} stopped after its disk had been full ('{}': {}); restarting it",
                store,
                exit,
                abbreviate(line));
        diskFullLogOffset = -1;
        cluster.restart(store);
        cluster.awaitHealthy(store, restart);
        lateStopsOnFullDisk++;
    }

    /** How many times the full-disk store stopped on ENOSPC after its injection had been judged. */
    int lateStopsOnFullDisk() {
        return lateStopsOnFullDisk;
    }

    Injection inject(Fault fault) throws InterruptedException {
        reviveStoreStoppedByFullDisk();
        Injection injection = switch (fault) {
            case Fault.Kill k -> kill();
            case Fault.Pause p -> pause();
            case Fault.IsolateLeader i -> {
                int leader = leader();
                yield partition("isolate-leader", Set.of(leader), others(leader), leader);
            }
            case Fault.SplitOneTwo s -> {
                int leader = leader();
                int follower = others(leader).iterator().next();
                yield partition("split-1|2", Set.of(follower), others(follower), leader);
            }
            case Fault.Bridge b -> {
                int leader = leader();
                List<Integer> followers = new ArrayList<>(others(leader));
                yield partition("bridge", Set.of(leader), Set.of(followers.get(1)), leader);
            }
            case Fault.DiskFull d -> diskFull();
        };
        LOG.info(
                "{}: {} ({})",
                injection.fault(),
                injection.confirmed() ? "injected" : "NOT CONFIRMED",
                injection.evidence());
        return injection;
    }

    /** The store the scheduler names as leader of the first region; waits for one within the restart time. */
    private int leader() {
        try {
            return Await.value(
                    () -> cluster.leaderOf(ByteString.EMPTY).filter(cluster::isRunning),
                    restart,
                    "the scheduler names a running leader");
        } catch (AssertionError e) {
            throw new AssertionError(e.getMessage() + "\n" + cluster.logs(), e);
        }
    }

    private Set<Integer> others(int store) {
        Set<Integer> others = new java.util.TreeSet<>();
        for (int i = 1; i <= cluster.stores(); i++) {
            if (i != store) {
                others.add(i);
            }
        }
        return others;
    }

    private Injection kill() throws InterruptedException {
        int victim = leader();
        int exitCode = cluster.kill(victim);
        String exit = cluster.takeExitOf(victim);
        boolean confirmed = exitCode == SIGKILLED && !cluster.isRunning(victim);
        holdFault();
        cluster.restart(victim);
        cluster.awaitHealthy(victim, restart);
        return new Injection(
                "kill",
                confirmed,
                "store" + victim + " (leader) SIGKILLed, exit code " + exitCode + ", supervisor saw '" + exit
                        + "'; restarted and serving");
    }

    private Injection pause() throws InterruptedException {
        int victim = leader();
        char stopped = cluster.pause(victim);
        long until = System.nanoTime() + hold.toNanos();
        Optional<Integer> newLeader = Optional.empty();
        while (System.nanoTime() < until) {
            Optional<Integer> now = cluster.leaderOf(ByteString.EMPTY);
            if (now.isPresent() && now.get() != victim) {
                newLeader = now;
            }
            LockSupport.parkNanos(POLL_NANOS * 4);
        }
        char stateWhilePaused = ProcState.of(cluster.pid(victim).orElseThrow());
        char resumed = cluster.resume(victim);
        boolean confirmed = stopped == 'T' && stateWhilePaused == 'T' && resumed != 'T';
        return new Injection(
                "pause",
                confirmed,
                "store" + victim + " (leader) SIGSTOPped for " + hold.toMillis()
                        + " ms: /proc state '" + stopped + "' after the signal, '" + stateWhilePaused
                        + "' at the end, '"
                        + resumed + "' after SIGCONT; the scheduler named "
                        + newLeader.map(s -> "store" + s).orElse("no other store") + " leader meanwhile");
    }

    /**
     * Cuts every link between {@code side} and {@code otherSide}. Confirmed when every cut pair with the
     * leader in it saw a connection severed or refused (the leader talks to every follower all the
     * time, so it must have tried); a pair of followers may have had nothing to say to each other, so
     * its count is reported but not required.
     */
    private Injection partition(String name, Set<Integer> side, Set<Integer> otherSide, int leader) {
        ProxiedNetwork network = cluster.network();
        LinkCounters counters = network.counters();
        Set<Link> links = ProxiedNetwork.between(side, otherSide);
        List<int[]> pairs = new ArrayList<>();
        for (int a : side) {
            for (int b : otherSide) {
                pairs.add(new int[] {a, b});
            }
        }
        long[] before = pairs.stream()
                .mapToLong(p -> counters.blocked(p[0], p[1]) + counters.blocked(p[1], p[0]))
                .toArray();
        int severed = network.cut(links);
        LockSupport.parkNanos(hold.toNanos());
        boolean everyLeaderPairBlocked = true;
        StringBuilder evidence = new StringBuilder(side + " | " + otherSide + " cut for " + hold.toMillis() + " ms, "
                + severed + " open connections severed; blocked per pair:");
        for (int i = 0; i < pairs.size(); i++) {
            int[] p = pairs.get(i);
            long blocked = counters.blocked(p[0], p[1]) + counters.blocked(p[1], p[0]) - before[i];
            evidence.append(" store")
                    .append(p[0])
                    .append("<->store")
                    .append(p[1])
                    .append('=')
                    .append(blocked);
            if (p[0] == leader || p[1] == leader) {
                everyLeaderPairBlocked &= blocked > 0;
            }
        }
        Optional<Integer> leaderAtEnd = cluster.leaderOf(ByteString.EMPTY);
        network.heal();
        evidence.append("; leader at the end: ")
                .append(leaderAtEnd.map(s -> "store" + s).orElse("none"));
        return new Injection(name, everyLeaderPairBlocked, evidence.toString());
    }

    private Injection diskFull() throws InterruptedException {
        TmpfsDisk disk = cluster.disk().orElseThrow(() -> new AssertionError("no tmpfs store: disk-full needs one"));
        int store = cluster.diskStore();
        long logOffset = cluster.storeLogLength(store);
        diskFullLogOffset = logOffset;
        long written = disk.fill();
        long usable = disk.usableBytes();
        // The store may free space (RocksDB deleting an obsolete log or table) while the ballast
        // grows: seen on a loaded machine, 2.6 MiB free right after ENOSPC. Fill again.
        for (int refill = 0; refill < DISK_FULL_REFILLS && usable >= FULL_BELOW_BYTES; refill++) {
            written = disk.fill();
            usable = disk.usableBytes();
        }
        boolean confirmed = usable < FULL_BELOW_BYTES;
        long start = System.nanoTime();
        long until = start + hold.toNanos();
        long giveUp = start + hold.toNanos() * DISK_FULL_MAX_HOLDS;
        long acknowledged = 0;
        long attempted = 0;
        // Write until the full store notices (an error logged, or it stopped), for a few holds at most.
        while (System.nanoTime() < giveUp
                && cluster.isRunning(store)
                && cluster.storeErrorsSince(store, logOffset, 1).isEmpty()) {
            acknowledged += pressure.write(PRESSURE_BURST_BYTES, giveUp);
            attempted += PRESSURE_BURST_BYTES;
        }
        long noticedAfterMillis = (System.nanoTime() - start) / 1_000_000;
        while (System.nanoTime() < until && cluster.isRunning(store)) {
            LockSupport.parkNanos(POLL_NANOS);
        }
        List<String> errors = cluster.storeErrorsSince(store, logOffset, PROBLEM_LINES);
        if (cluster.isRunning(store) && !errors.isEmpty() && !cluster.awaitExit(store, restart)) {
            throw new AssertionError("store" + store + " logged errors on the full disk but did not stop within "
                    + restart + ": " + errors);
        }
        boolean alive = cluster.isRunning(store);
        String behaviour = alive
                ? "kept running" + (errors.isEmpty() ? ", logging no error" : "")
                : "stopped ('" + cluster.takeExitOf(store) + "')";
        disk.drain();
        if (!alive) {
            diskFullLogOffset = -1;
            cluster.restart(store);
            cluster.awaitHealthy(store, restart);
        }
        return new Injection(
                "disk-full",
                confirmed,
                "store" + store + "'s tmpfs filled with " + (written >> 20)
                        + " MiB until ENOSPC, " + usable + " bytes left; " + (acknowledged >> 10) + " of "
                        + (attempted >> 10)
                        + " KiB of burst writes acknowledged; the store "
                        + (errors.isEmpty() && alive ? "did not notice within " : "noticed after ") + noticedAfterMillis
                        + " ms and "
                        + behaviour
                        + (alive ? "" : ", restarted after the ballast was deleted")
                        + (errors.isEmpty() ? "" : "; first error: " + abbreviate(errors.getFirst())));
    }

    private static String abbreviate(String line) {
        return line.length() <= EVIDENCE_LINE_CHARS ? line : line.substring(0, EVIDENCE_LINE_CHARS) + "...";
    }

    private void holdFault() {
        LockSupport.parkNanos(hold.toNanos());
    }
}
