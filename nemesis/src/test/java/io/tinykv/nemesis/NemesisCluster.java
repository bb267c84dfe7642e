package io.tinykv.nemesis;

import com.google.protobuf.ByteString;
import io.grpc.ManagedChannel;
import io.grpc.StatusRuntimeException;
import io.grpc.health.v1.HealthCheckRequest;
import io.grpc.health.v1.HealthCheckResponse;
import io.grpc.health.v1.HealthGrpc;
import io.grpc.netty.shaded.io.grpc.netty.NettyChannelBuilder;
import io.tinykv.client.ClientConfig;
import io.tinykv.client.TinyKvException;
import io.tinykv.client.pd.PdClient;
import io.tinykv.client.region.RegionInfo;
import io.tinykv.compat.ReadyFiles;
import io.tinykv.scheduler.ClientKeyMode;
import io.tinykv.scheduler.ReadyFile;
import io.tinykv.server.config.Config;
import io.tinykv.server.playground.ChildProcess;
import io.tinykv.server.playground.ChildSpec;
import io.tinykv.server.playground.ClusterReadiness;
import io.tinykv.server.playground.JavaCommand;
import io.tinykv.server.playground.PlaygroundLayout;
import io.tinykv.server.playground.Supervisor;
import io.tinykv.testkit.wait.Await;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.InetSocketAddress;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.Iterator;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.TimeUnit;

/**
 * A scheduler and N {@code tinykv server} child processes on loopback, each store behind a
 * {@link LinkProxy} that it advertises as its address, so that the {@link ProxiedNetwork} can cut
 * links between stores. One store's data directory may be a small tmpfs ({@link TmpfsDisk}) for the
 * disk-full fault. {@link #close()} kills everything and unmounts the tmpfs.
 */
final class NemesisCluster implements AutoCloseable {
    /** Small heaps and a cheap JIT and GC: five JVMs share two cores in CI. */
    private static final List<String> CHILD_JVM_OPTIONS =
            List.of("-Xmx256m", "-XX:+UseSerialGC", "-XX:TieredStopAtLevel=1");

    private static final int LOG_TAIL_LINES = 30;
    private static final Duration HEALTH_ATTEMPT = Duration.ofSeconds(2);
    private static final Duration KILL_WAIT = Duration.ofSeconds(30);
    private static final Duration PD_CALL_TIMEOUT = Duration.ofSeconds(3);
    /** How long a child JVM may take to bind its ports and serve: generous, five JVMs start on two cores. */
    private static final Duration CHILD_START = Duration.ofMinutes(5);

    private static final String SCHEDULER = "scheduler";
    private static final String DISK_STORE_CONFIG =
            "[storage]\nwrite-buffer-size = \"1MiB\"\nraft-write-buffer-size = \"1MiB\"\n";

    private final Path dir;
    private final int stores;
    private final ClientKeyMode keyMode;
    private final Supervisor supervisor;
    private final ProxiedNetwork network;
    private final Optional<TmpfsDisk> disk;
    private final int diskStore;
    private final List<String> unexpectedExits = new CopyOnWriteArrayList<>();
    private final Set<Integer> paused = new HashSet<>();
    private volatile Map<String, Long> storeIds = Map.of();
    private volatile String pdAddress;
    /** Each store's real (bound) address and status address, once it reported them; a restart reuses them. */
    private final Map<Integer, Map<String, String>> bound = new ConcurrentHashMap<>();

    private NemesisCluster(Path dir, int stores, ClientKeyMode keyMode, int diskStore, long diskBytes) {
        this.dir = dir;
        this.stores = stores;
        this.keyMode = keyMode;
        List<String> jvm = new ArrayList<>(JavaCommand.ofCurrentJvm(List.of()).jvmOptions());
        jvm.addAll(CHILD_JVM_OPTIONS);
        JavaCommand java = new JavaCommand(JavaCommand.ofCurrentJvm(List.of()).javaBinary(), serverClassPath(), jvm);
        this.supervisor = new Supervisor(java, (child, code) -> unexpectedExits.add(child.name() + " exited " + code));
        this.network = new ProxiedNetwork(stores, this::pid);
        this.diskStore = diskStore;
        this.disk = diskStore > 0
                ? Optional.of(TmpfsDisk.mount(dir.resolve("store" + diskStore), diskBytes))
                : Optional.empty();
    }

    /**
     * Starts the scheduler, waits until it reports its port, and starts the stores without waiting for
     * them. Every child listens on loopback port 0 and reports the ports it got in a ready file
     * ({@link ReadyFiles}): no other process can take a port between choosing and binding it.
     *
     * @param diskStore the store whose data directory is a tmpfs of {@code diskBytes}, or 0 for none
     */
    static NemesisCluster start(Path dir, int stores, ClientKeyMode keyMode, int diskStore, long diskBytes) {
        NemesisCluster cluster = new NemesisCluster(dir, stores, keyMode, diskStore, diskBytes);
        try {
            Path schedulerReady = dir.resolve(SCHEDULER + ".ready");
            ChildProcess scheduler = cluster.supervisor.start(new ChildSpec(
                    SCHEDULER,
                    ReadyFiles.ANY_LOOPBACK_PORT,
                    List.of(
                            "scheduler",
                            "--addr",
                            ReadyFiles.ANY_LOOPBACK_PORT,
                            "--data-dir",
                            dir.resolve(SCHEDULER).toString(),
                            "--max-replicas",
                            Integer.toString(cluster.maxReplicas()),
                            "--client-key-mode",
                            keyMode.name(),
                            "--ready-file",
                            schedulerReady.toString()),
                    cluster.logFile(SCHEDULER)));
            cluster.pdAddress = ReadyFiles.await(scheduler, schedulerReady, CHILD_START, cluster::logs)
                    .get(ReadyFile.ADDR);
            for (int i = 1; i <= stores; i++) {
                cluster.supervisor.start(cluster.storeSpec(i));
            }
        } catch (RuntimeException | Error e) {
            cluster.close();
            throw e;
        }
        return cluster;
    }

    private int maxReplicas() {
        return Math.min(stores, PlaygroundLayout.DEFAULT_MAX_REPLICAS);
    }

    private Path logFile(String child) {
        return dir.resolve(child + ".log");
    }

    private Path readyFile(int store) {
        return dir.resolve("store" + store + ".ready");
    }

    /**
     * Store {@code store}, told to advertise its proxy's address: on port 0 with a ready file the first
     * time, on the ports it reported after that. The store on the tmpfs gets small
     * memtables ({@value #DISK_STORE_CONFIG}): RocksDB preallocates each write-ahead log to about a
     * memtable's size, and with the default 64 MiB a full disk would not be noticed until that much more
     * was written; with 1 MiB a burst of writes makes it flush a new file and meet ENOSPC.
     */
    private ChildSpec storeSpec(int store) {
        String name = "store" + store;
        Map<String, String> ports = bound.get(store);
        String addr = ports == null ? ReadyFiles.ANY_LOOPBACK_PORT : ports.get(ReadyFile.ADDR);
        String statusAddr = ports == null ? ReadyFiles.ANY_LOOPBACK_PORT : ports.get(ReadyFile.STATUS_ADDR);
        List<String> args = new ArrayList<>(List.of(
                "server",
                "--pd",
                pdAddress,
                "--addr",
                addr,
                "--status-addr",
                statusAddr,
                "--data-dir",
                dir.resolve(name).toString(),
                "--advertise-addr",
                network.advertisedAddress(store),
                // Store-to-store traffic must cross the store's proxy too (the faults act on it): it
                // goes to the advertised address, so the peer service shares the client port here.
                "--peer-addr",
                Config.Server.PEER_ADDR_SHARED));
        if (ports == null) {
            args.add("--ready-file");
            args.add(readyFile(store).toString());
        }
        if (store == diskStore) {
            Path config = dir.resolve(name + ".toml");
            try {
                Files.writeString(config, DISK_STORE_CONFIG);
            } catch (IOException e) {
                throw new UncheckedIOException("cannot write " + config, e);
            }
            args.add("--config");
            args.add(config.toString());
        }
        return new ChildSpec(name, addr, args, logFile(name));
    }

    /** Waits until every store reported its ports, and points its proxy at it. */
    private void awaitStoreAddresses(Duration timeout) {
        for (int i = 1; i <= stores; i++) {
            if (!bound.containsKey(i)) {
                Map<String, String> ports = ReadyFiles.await(current("store" + i), readyFile(i), timeout, this::logs);
                bound.put(i, ports);
                network.target(i, socketAddress(ports.get(ReadyFile.ADDR)));
            }
        }
    }

    /** Store {@code store}'s own (not its proxy's) address; known once {@link #awaitServing} returned. */
    private String realAddress(int store) {
        Map<String, String> ports = bound.get(store);
        if (ports == null) {
            throw new IllegalStateException("store" + store + " has not reported its ports yet (awaitServing)");
        }
        return ports.get(ReadyFile.ADDR);
    }

    int stores() {
        return stores;
    }

    String pdAddress() {
        return pdAddress;
    }

    ProxiedNetwork network() {
        return network;
    }

    Optional<TmpfsDisk> disk() {
        return disk;
    }

    /** The store on the tmpfs, or 0. */
    int diskStore() {
        return diskStore;
    }

    /** Waits until every store is up and the first region has all replicas and a leader. */
    void awaitServing(Duration timeout) throws InterruptedException {
        awaitStoreAddresses(timeout);
        Set<String> advertised = new HashSet<>();
        for (int i = 1; i <= stores; i++) {
            advertised.add(network.advertisedAddress(i));
        }
        try {
            storeIds = ClusterReadiness.overNetwork()
                    .await(pdAddress, advertised, maxReplicas(), timeout, supervisor::exited)
                    .storeIds();
        } catch (ClusterReadiness.NotServingException e) {
            throw new AssertionError(e.getMessage() + "\n" + logs(), e);
        }
    }

    /** The store (1-based) the scheduler names as leader of the region holding {@code key}, if any. */
    Optional<Integer> leaderOf(ByteString key) {
        ClientConfig config = ClientConfig.of(List.of(pdAddress))
                .withTimeoutsMs(PD_CALL_TIMEOUT.toMillis(), PD_CALL_TIMEOUT.toMillis())
                .withBackoffBudgetMs(0);
        try (PdClient pd = PdClient.connect(config)) {
            Optional<RegionInfo> region = pd.getRegion(key);
            if (region.isEmpty() || !region.get().hasLeader()) {
                return Optional.empty();
            }
            return Optional.of(storeIndex(region.get().leader().getStoreId()));
        } catch (TinyKvException e) {
            return Optional.empty();
        }
    }

    private int storeIndex(long storeId) {
        for (int i = 1; i <= stores; i++) {
            if (Long.valueOf(storeId).equals(storeIds.get(network.advertisedAddress(i)))) {
                return i;
            }
        }
        throw new IllegalStateException("no store " + storeId + " in " + storeIds);
    }

    /** The pid of store {@code store}'s current process, if it runs. */
    Optional<Long> pid(int store) {
        ChildProcess child = current("store" + store);
        return child != null && child.isAlive() ? Optional.of(child.pid()) : Optional.empty();
    }

    private ChildProcess current(String name) {
        List<ChildProcess> all = supervisor.children();
        for (int i = all.size() - 1; i >= 0; i--) {
            if (all.get(i).name().equals(name)) {
                return all.get(i);
            }
        }
        return null;
    }

    /** SIGKILL; waits until the process is gone and returns its exit code (137 for a kill). */
    int kill(int store) throws InterruptedException {
        ChildProcess child = current("store" + store);
        if (child == null || !child.isAlive()) {
            throw new AssertionError("store" + store + " is not running: nothing to kill");
        }
        child.kill();
        if (!child.awaitExit(KILL_WAIT)) {
            throw new AssertionError("store" + store + " (pid " + child.pid() + ") survived SIGKILL");
        }
        synchronized (paused) {
            paused.remove(store);
        }
        return child.exitCode();
    }

    /** Waits for a store that is stopping by itself; returns whether it ended within {@code timeout}. */
    boolean awaitExit(int store, Duration timeout) throws InterruptedException {
        ChildProcess child = current("store" + store);
        return child == null || child.awaitExit(timeout);
    }

    boolean isRunning(int store) {
        return pid(store).isPresent();
    }

    /** Starts a store that is not running, on its data, its ports and its advertised address. */
    void restart(int store) {
        if (!bound.containsKey(store)) {
            throw new IllegalStateException(
                    "store" + store + " has not reported its ports yet: nothing to restart it on");
        }
        supervisor.start(storeSpec(store));
    }

    /** SIGSTOP; returns the process state {@code /proc} then reports ('T' when stopped). */
    char pause(int store) throws InterruptedException {
        long pid =
                pid(store).orElseThrow(() -> new AssertionError("store" + store + " is not running: cannot pause it"));
        signal("-STOP", pid);
        synchronized (paused) {
            paused.add(store);
        }
        return ProcState.awaitState(pid, 'T', KILL_WAIT);
    }

    /** SIGCONT; returns the process state afterwards (not 'T'). */
    char resume(int store) throws InterruptedException {
        long pid =
                pid(store).orElseThrow(() -> new AssertionError("store" + store + " is not running: cannot resume it"));
        signal("-CONT", pid);
        synchronized (paused) {
            paused.remove(store);
        }
        return ProcState.awaitStateOtherThan(pid, 'T', KILL_WAIT);
    }

    private static void signal(String signal, long pid) throws InterruptedException {
        try {
            Process kill = new ProcessBuilder("kill", signal, Long.toString(pid))
                    .redirectErrorStream(true)
                    .start();
            String output = new String(kill.getInputStream().readAllBytes());
            if (!kill.waitFor(KILL_WAIT.toSeconds(), TimeUnit.SECONDS) || kill.exitValue() != 0) {
                throw new AssertionError("kill " + signal + " " + pid + " failed: " + output);
            }
        } catch (IOException e) {
            throw new UncheckedIOException("cannot run kill " + signal + " " + pid, e);
        }
    }

    /** Waits until the store's gRPC health service says SERVING; fails early, with the logs, if it dies. */
    void awaitHealthy(int store, Duration timeout) {
        long deadline = System.nanoTime() + timeout.toNanos();
        ManagedChannel channel = NettyChannelBuilder.forAddress(socketAddress(realAddress(store)))
                .usePlaintext()
                .build();
        try {
            while (System.nanoTime() < deadline) {
                if (!isRunning(store)) {
                    throw new AssertionError("store" + store + " exited before serving\n" + logs());
                }
                try {
                    Iterator<HealthCheckResponse> statuses = HealthGrpc.newBlockingStub(channel)
                            .withWaitForReady()
                            .withDeadlineAfter(HEALTH_ATTEMPT.toMillis(), TimeUnit.MILLISECONDS)
                            .watch(HealthCheckRequest.getDefaultInstance());
                    while (statuses.hasNext()) {
                        if (statuses.next().getStatus() == HealthCheckResponse.ServingStatus.SERVING) {
                            return;
                        }
                    }
                } catch (StatusRuntimeException notYet) {
                    // This attempt's deadline passed or the store is still starting: ask again.
                }
            }
            throw new AssertionError("store" + store + " did not serve within " + timeout + "\n" + logs());
        } finally {
            channel.shutdownNow();
        }
    }

    /** Children that ended without the nemesis killing them, e.g. "store2 exited 1". */
    List<String> unexpectedExits() {
        return List.copyOf(unexpectedExits);
    }

    /**
     * Waits until the supervisor has reported the exit of a store the nemesis stopped (it learns of it on
     * its own thread) and forgets it; returns what it reported, e.g. "store2 exited 137".
     */
    String takeExitOf(int store) {
        String prefix = "store" + store + " exited ";
        String exit = Await.value(
                () -> unexpectedExits.stream().filter(e -> e.startsWith(prefix)).findFirst(),
                KILL_WAIT,
                "the supervisor reports the exit of store" + store);
        unexpectedExits.remove(exit);
        return exit;
    }

    /** The last lines of every child's log, for failure messages. */
    String logs() {
        StringBuilder out = new StringBuilder();
        List<String> names = new ArrayList<>(List.of(SCHEDULER));
        for (int i = 1; i <= stores; i++) {
            names.add("store" + i);
        }
        for (String name : names) {
            Path logFile = logFile(name);
            out.append("---- ").append(logFile).append('\n');
            try {
                List<String> lines = Files.exists(logFile) ? Files.readAllLines(logFile) : List.of();
                lines.subList(Math.max(0, lines.size() - LOG_TAIL_LINES), lines.size())
                        .forEach(line -> out.append(line).append('\n'));
            } catch (IOException e) {
                out.append("(unreadable: ").append(e).append(")\n");
            }
        }
        return out.toString();
    }

    /** How long one store's log is now, to read what it logs from here on ({@link #storeLogSince}). */
    long storeLogLength(int store) {
        try {
            return Files.size(logFile("store" + store));
        } catch (IOException e) {
            return 0;
        }
    }

    /** The ERROR lines a store logged after {@code offset}, at most {@code lines} of them. */
    List<String> storeErrorsSince(int store, long offset, int lines) {
        return storeLogSince(store, offset)
                .lines()
                .filter(l -> l.contains(" ERROR "))
                .limit(lines)
                .toList();
    }

    /** Everything a store's log (its stdout and stderr) got after {@code offset}. */
    String storeLogSince(int store, long offset) {
        try {
            byte[] all = Files.readAllBytes(logFile("store" + store));
            int from = (int) Math.min(Math.max(0, offset), all.length);
            return new String(all, from, all.length - from, java.nio.charset.StandardCharsets.UTF_8);
        } catch (IOException e) {
            return "(unreadable: " + e + ")";
        }
    }

    @Override
    public void close() {
        supervisor.killAll(); // SIGKILL ends stopped (SIGSTOP) processes too
        network.close();
        disk.ifPresent(TmpfsDisk::close);
    }

    private static InetSocketAddress socketAddress(String hostPort) {
        int colon = hostPort.lastIndexOf(':');
        return new InetSocketAddress(hostPort.substring(0, colon), Integer.parseInt(hostPort.substring(colon + 1)));
    }

    static String serverClassPath() {
        String file = System.getProperty("tinykv.server.classpath.file");
        if (file == null) {
            throw new IllegalStateException("system property tinykv.server.classpath.file is not set "
                    + "(run the tests through Maven: mvn -pl nemesis -am verify)");
        }
        try {
            return Files.readString(Path.of(file)).trim();
        } catch (IOException e) {
            throw new UncheckedIOException("cannot read the server class path from " + file, e);
        }
    }
}
