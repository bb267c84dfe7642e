package io.tinykv.compat;

import io.grpc.ManagedChannel;
import io.grpc.StatusRuntimeException;
import io.grpc.health.v1.HealthCheckRequest;
import io.grpc.health.v1.HealthCheckResponse;
import io.grpc.health.v1.HealthGrpc;
import io.grpc.netty.shaded.io.grpc.netty.NettyChannelBuilder;
import io.tinykv.client.ClientConfig;
import io.tinykv.client.PdException;
import io.tinykv.client.pd.PdClient;
import io.tinykv.client.region.RegionInfo;
import io.tinykv.scheduler.ClientKeyMode;
import io.tinykv.scheduler.ReadyFile;
import io.tinykv.security.ChannelFactory;
import io.tinykv.security.SecurityConfig;
import io.tinykv.security.SecurityOptions;
import io.tinykv.security.TlsCredentials;
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
import java.util.HexFormat;
import java.util.Iterator;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.atomic.AtomicReference;
import java.util.stream.Collectors;

/**
 * A real replicated cluster for tests: one {@code tinykv scheduler} and N {@code tinykv server} child
 * processes, laid out like the playground's (a folder with {@code scheduler/}, {@code store1/}, ... and
 * their logs beside them; the playground's supervisor and readiness check). Every child listens on
 * loopback port 0 and reports the ports it got in a ready file ({@link ReadyFiles}), so no other
 * process can take a port between the test choosing it and the child binding it. A restarted child
 * gets the ports it had: the scheduler's address is in every store's arguments and a store's in the
 * scheduler's and the clients' caches, as after a restart in production. {@link #close()} kills every
 * child (SIGKILL), so a failing test leaves nothing behind; and the children stop by themselves if this
 * JVM dies ({@code ChildMain}).
 */
final class LocalCluster implements AutoCloseable {
    static final String LOOPBACK = "127.0.0.1";
    /** Small heaps and a cheap JIT and GC: five JVMs share two cores in CI. */
    static final List<String> CHILD_JVM_OPTIONS = List.of("-Xmx256m", "-XX:+UseSerialGC", "-XX:TieredStopAtLevel=1");
    /** How long a child JVM may take to bind its ports and serve: generous, five JVMs start on two cores. */
    static final Duration CHILD_START = Duration.ofMinutes(5);

    static final String SCHEDULER = "scheduler";
    private static final int LOG_TAIL_LINES = 40;
    private static final Duration HEALTH_ATTEMPT = Duration.ofSeconds(2);
    /** How long {@link #leaderStoreOf} waits for the scheduler to name a leader (an election, at load 20). */
    private static final Duration LEADER_KNOWN = Duration.ofSeconds(60);

    private final Path dir;
    private final int stores;
    private final ClientKeyMode keyMode;
    /** The TLS settings every child gets, and the readiness checks connect with (disabled: plaintext). */
    private final SecurityConfig security;

    private final TlsCredentials tls;
    /** Arguments every store gets besides its own (e.g. --enable-ttl, split sizes), at restarts too. */
    private final List<String> storeArgs;
    /** Whether the scheduler serves a status endpoint (on a port it picks and reports). */
    private final boolean schedulerStatus;
    /** Extra arguments of the scheduler (e.g. its scheduling options). */
    private List<String> schedulerArgs = List.of();

    private volatile String schedulerStatusAddress;
    /** Store i's status address at index i - 1, once every store reported it. */
    private volatile List<String> storeStatusAddresses = List.of();

    private volatile List<String> storePeerAddresses = List.of();
    private final Supervisor supervisor;
    private final List<String> unexpectedExits = new CopyOnWriteArrayList<>();
    /** Each child's arguments for a restart, with the ports it first bound; set once it reported them. */
    private final Map<String, ChildSpec> restartSpecs = new ConcurrentHashMap<>();

    private volatile String pdAddress;
    /** Store i's address at index i - 1, once every store reported it. */
    private volatile List<String> storeAddresses = List.of();
    /** Store ids by address, learned when the cluster first served. */
    private volatile Map<String, Long> storeIds = Map.of();

    private LocalCluster(
            Path dir,
            int stores,
            ClientKeyMode keyMode,
            SecurityConfig security,
            List<String> storeArgs,
            boolean schedulerStatus) {
        this.dir = dir;
        this.stores = stores;
        this.keyMode = keyMode;
        this.security = security;
        this.tls = TlsCredentials.of(security);
        this.storeArgs = List.copyOf(storeArgs);
        this.schedulerStatus = schedulerStatus;
        JavaCommand java = new JavaCommand(
                JavaCommand.ofCurrentJvm(List.of()).javaBinary(), serverClassPath(), withJdkFlags(CHILD_JVM_OPTIONS));
        this.supervisor =
                new Supervisor(java, (child, exitCode) -> unexpectedExits.add(child.name() + " exited " + exitCode));
    }

    /** Starts the scheduler and the stores (without waiting for the stores to serve), for RawKV clients. */
    static LocalCluster start(Path dir, int stores) {
        return start(dir, stores, ClientKeyMode.RAW);
    }

    /**
     * Starts the scheduler (answering clients in {@code keyMode}) and waits until it reports its port;
     * then starts the stores, without waiting for them.
     */
    static LocalCluster start(Path dir, int stores, ClientKeyMode keyMode) {
        return start(dir, stores, keyMode, List.of());
    }

    /** Like {@link #start(Path, int, ClientKeyMode)}, every store with {@code --enable-ttl} when asked. */
    static LocalCluster start(Path dir, int stores, ClientKeyMode keyMode, boolean enableTtl) {
        return start(dir, stores, keyMode, enableTtl ? List.of("--enable-ttl") : List.of());
    }

    /** Like {@link #start(Path, int, ClientKeyMode)}, every store started with {@code extraStoreArgs} too. */
    static LocalCluster start(Path dir, int stores, ClientKeyMode keyMode, List<String> extraStoreArgs) {
        return start(new LocalCluster(dir, stores, keyMode, SecurityConfig.disabled(), extraStoreArgs, false));
    }

    /**
     * Starts a cluster with mutual TLS: every child gets {@code security} (one certificate for the
     * scheduler and the stores), and the scheduler also serves its status endpoint
     * ({@link #schedulerStatusAddress()}).
     */
    static LocalCluster startWithTls(Path dir, int stores, SecurityConfig security) {
        return start(new LocalCluster(dir, stores, ClientKeyMode.RAW, security, List.of(), true));
    }

    /** Like {@link #start(Path, int, ClientKeyMode)}, the scheduler started with {@code schedulerArgs} too. */
    static LocalCluster startWithSchedulerArgs(Path dir, int stores, List<String> schedulerArgs) {
        LocalCluster cluster =
                new LocalCluster(dir, stores, ClientKeyMode.RAW, SecurityConfig.disabled(), List.of(), false);
        cluster.schedulerArgs = List.copyOf(schedulerArgs);
        return start(cluster);
    }

    /** Plaintext, the scheduler serving its status page ({@link #schedulerStatusAddress()}). */
    static LocalCluster startWithStatusPage(Path dir, int stores) {
        return start(new LocalCluster(dir, stores, ClientKeyMode.RAW, SecurityConfig.disabled(), List.of(), true));
    }

    private static LocalCluster start(LocalCluster cluster) {
        if (cluster.stores < 1) {
            cluster.close();
            throw new IllegalArgumentException("a cluster needs a store, got " + cluster.stores);
        }
        int stores = cluster.stores;
        try {
            cluster.startScheduler();
            for (int i = 1; i <= stores; i++) {
                cluster.supervisor.start(cluster.storeSpec(
                        i,
                        ReadyFiles.ANY_LOOPBACK_PORT,
                        ReadyFiles.ANY_LOOPBACK_PORT,
                        ReadyFiles.ANY_LOOPBACK_PORT,
                        List.of("--ready-file", cluster.readyFile(storeName(i)).toString())));
            }
        } catch (RuntimeException | Error e) {
            cluster.close();
            throw e;
        }
        return cluster;
    }

    private void startScheduler() {
        List<String> first =
                new ArrayList<>(List.of("--ready-file", readyFile(SCHEDULER).toString()));
        if (schedulerStatus) {
            first.addAll(List.of("--status-addr", ReadyFiles.ANY_LOOPBACK_PORT));
        }
        ChildProcess scheduler = supervisor.start(schedulerSpec(ReadyFiles.ANY_LOOPBACK_PORT, first));
        Map<String, String> bound = ReadyFiles.await(scheduler, readyFile(SCHEDULER), CHILD_START, this::logs);
        pdAddress = bound.get(ReadyFile.ADDR);
        List<String> again = new ArrayList<>();
        if (schedulerStatus) {
            schedulerStatusAddress = bound.get(ReadyFile.STATUS_ADDR);
            again.addAll(List.of("--status-addr", schedulerStatusAddress));
        }
        restartSpecs.put(SCHEDULER, schedulerSpec(pdAddress, again));
    }

    private ChildSpec schedulerSpec(String addr, List<String> extra) {
        List<String> args = new ArrayList<>(List.of(
                "scheduler",
                "--addr",
                addr,
                "--data-dir",
                dir.resolve(SCHEDULER).toString(),
                "--max-replicas",
                Integer.toString(maxReplicas()),
                "--client-key-mode",
                keyMode.name()));
        args.addAll(SecurityOptions.asArguments(security));
        args.addAll(schedulerArgs);
        args.addAll(extra);
        return new ChildSpec(SCHEDULER, addr, args, dir.resolve(SCHEDULER + ".log"));
    }

    /** @param peerAddr the store-to-store service's own address ({@code --peer-addr}) */
    private ChildSpec storeSpec(int store, String addr, String statusAddr, String peerAddr, List<String> extra) {
        String name = storeName(store);
        List<String> args = new ArrayList<>(List.of(
                "server",
                "--pd",
                pdAddress,
                "--addr",
                addr,
                "--status-addr",
                statusAddr,
                "--peer-addr",
                peerAddr,
                "--data-dir",
                dir.resolve(name).toString()));
        args.addAll(SecurityOptions.asArguments(security));
        args.addAll(storeArgs);
        args.addAll(extra);
        return new ChildSpec(name, addr, args, dir.resolve(name + ".log"));
    }

    static String storeName(int store) {
        return "store" + store;
    }

    private Path readyFile(String child) {
        return dir.resolve(child + ".ready");
    }

    int maxReplicas() {
        return Math.min(stores, PlaygroundLayout.DEFAULT_MAX_REPLICAS);
    }

    /**
     * The store (its id) that leads the region holding {@code key} (as stored: raw, or
     * memcomparable-encoded in TXN mode), as the scheduler reports it now.
     */
    long leaderStoreOf(byte[] key) {
        // Asked again while the region has no leader (an election: a loaded machine's leader misses its
        // lease) or PD does not answer within its deadline; callers pick a victim, not check leadership.
        AtomicReference<String> last = new AtomicReference<>("nothing asked yet");
        AtomicLong leader = new AtomicLong();
        Await.until(
                () -> {
                    try (PdClient pd = PdClient.connect(ClientConfig.of(List.of(pdAddress)))) {
                        RegionInfo region = pd.getRegion(com.google.protobuf.ByteString.copyFrom(key))
                                .orElseThrow(() -> new AssertionError("the scheduler knows no region for key "
                                        + HexFormat.of().formatHex(key)));
                        if (!region.hasLeader()) {
                            last.set("region " + region + " has no leader");
                            return false;
                        }
                        leader.set(region.leader().getStoreId());
                        return true;
                    } catch (PdException e) {
                        last.set(e.toString());
                        return false;
                    }
                },
                LEADER_KNOWN,
                () -> "a leader of the region holding key " + HexFormat.of().formatHex(key) + ": " + last.get());
        return leader.get();
    }

    String pdAddress() {
        return pdAddress;
    }

    /** The scheduler's status endpoint ({@code host:port}) of a {@link #startWithTls} or {@link #startWithStatusPage} cluster. */
    String schedulerStatusAddress() {
        if (schedulerStatusAddress == null) {
            throw new IllegalStateException("the scheduler of this cluster serves no status endpoint");
        }
        return schedulerStatusAddress;
    }

    /** The TLS settings the children run with (disabled: plaintext). */
    SecurityConfig security() {
        return security;
    }

    /** Store {@code store}'s (1-based) store-to-store address; known once {@link #awaitServing} returned. */
    String storePeerAddress(int store) {
        storeAddress(store);
        return storePeerAddresses.get(store - 1);
    }

    /** Store {@code store}'s (1-based) status address; known once {@link #awaitServing} returned. */
    String storeStatusAddress(int store) {
        storeAddress(store);
        return storeStatusAddresses.get(store - 1);
    }

    /**
     * The arguments a restart of {@code name} uses (its ports as first bound), for a test that
     * starts it with some changed ({@link #start(ChildSpec)}).
     */
    ChildSpec restartSpec(String name) {
        ChildSpec spec = restartSpecs.get(name);
        if (spec == null) {
            throw new IllegalStateException(name + " has not reported its ports yet");
        }
        return spec;
    }

    /** Store {@code store}'s (1-based) address; known once {@link #awaitServing} returned. */
    String storeAddress(int store) {
        List<String> known = storeAddresses;
        if (known.isEmpty()) {
            throw new IllegalStateException("the stores' addresses are known once the cluster served (awaitServing)");
        }
        return known.get(store - 1);
    }

    /** Waits until every store has reported the ports it bound; remembers them for restarts. */
    private List<String> awaitStoreAddresses(Duration timeout) {
        if (!storeAddresses.isEmpty()) {
            return storeAddresses;
        }
        List<String> addresses = new ArrayList<>();
        List<String> statusAddresses = new ArrayList<>();
        List<String> peerAddresses = new ArrayList<>();
        for (int i = 1; i <= stores; i++) {
            String name = storeName(i);
            Map<String, String> bound = ReadyFiles.await(current(name), readyFile(name), timeout, this::logs);
            addresses.add(bound.get(ReadyFile.ADDR));
            statusAddresses.add(bound.get(ReadyFile.STATUS_ADDR));
            peerAddresses.add(bound.get(ReadyFile.PEER_ADDR));
            restartSpecs.put(
                    name,
                    storeSpec(
                            i,
                            bound.get(ReadyFile.ADDR),
                            bound.get(ReadyFile.STATUS_ADDR),
                            bound.get(ReadyFile.PEER_ADDR),
                            List.of()));
        }
        storeStatusAddresses = List.copyOf(statusAddresses);
        storePeerAddresses = List.copyOf(peerAddresses);
        storeAddresses = List.copyOf(addresses);
        return storeAddresses;
    }

    /**
     * Waits until every store is registered and up and the first region has all its replicas and a
     * leader; fails early, with the logs, when a child dies.
     */
    ClusterReadiness.Serving awaitServing(Duration timeout) throws InterruptedException {
        try {
            List<String> addresses = awaitStoreAddresses(timeout);
            ClusterReadiness.Serving serving = ClusterReadiness.overNetwork(
                            ChannelFactory.withCredentials(tls.channelCredentials()))
                    .await(pdAddress, Set.copyOf(addresses), maxReplicas(), timeout, supervisor::exited);
            storeIds = serving.storeIds();
            return serving;
        } catch (ClusterReadiness.NotServingException e) {
            throw new AssertionError(e.getMessage() + "\n" + logs(), e);
        }
    }

    /**
     * Waits until the child's gRPC health service says SERVING (stores serve it on their one port);
     * fails early, with the logs, if the child dies.
     */
    void awaitHealthy(String name, String address, Duration timeout) {
        ChildProcess child = current(name);
        long deadline = System.nanoTime() + timeout.toNanos();
        int colon = address.lastIndexOf(':');
        ManagedChannel channel = NettyChannelBuilder.forAddress(
                        new InetSocketAddress(
                                address.substring(0, colon), Integer.parseInt(address.substring(colon + 1))),
                        tls.channelCredentials())
                .build();
        try {
            while (System.nanoTime() < deadline) {
                if (!child.isAlive()) {
                    throw new AssertionError(
                            name + " exited with code " + child.exitCode() + " before serving\n" + logs());
                }
                // Watch waits for the connection and then streams status changes: no polling interval.
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
                    // This attempt's deadline passed or the server is still starting: ask again.
                }
            }
            throw new AssertionError(name + " did not serve within " + timeout + "\n" + logs());
        } finally {
            channel.shutdownNow();
        }
    }

    /** The 1-based index of the store with this id (as learned by {@link #awaitServing}). */
    int storeIndex(long storeId) {
        for (int i = 1; i <= stores; i++) {
            if (Long.valueOf(storeId).equals(storeIds.get(storeAddress(i)))) {
                return i;
            }
        }
        throw new IllegalArgumentException("no store " + storeId + " in " + storeIds);
    }

    ChildProcess current(String name) {
        List<ChildProcess> all = supervisor.children();
        for (int i = all.size() - 1; i >= 0; i--) {
            if (all.get(i).name().equals(name)) {
                return all.get(i);
            }
        }
        throw new IllegalArgumentException("no child " + name);
    }

    /** SIGKILL, and waits until it is gone. */
    void kill(String name) throws InterruptedException {
        ChildProcess child = current(name);
        child.kill();
        if (!child.awaitExit(Duration.ofSeconds(30))) {
            throw new AssertionError(name + " survived SIGKILL");
        }
    }

    /** SIGTERM, and waits (up to {@code timeout}) until it is gone; returns its exit code. */
    int terminate(String name, Duration timeout) throws InterruptedException {
        ChildProcess child = current(name);
        child.terminate();
        if (!child.awaitExit(timeout)) {
            throw new AssertionError(name + " did not stop within " + timeout + " of SIGTERM\n" + logs());
        }
        return child.exitCode();
    }

    /**
     * Starts a stopped child again on its data and the ports it had (so only a child that reported
     * them, see {@link #awaitServing}, can be restarted).
     */
    ChildProcess restart(String name) {
        ChildSpec spec = restartSpecs.get(name);
        if (spec == null) {
            throw new IllegalStateException(name + " has not reported its ports yet: nothing to restart it on");
        }
        return supervisor.start(spec);
    }

    /**
     * Starts a child with arguments of the test's choosing (e.g. a store's with one flag changed);
     * under the name of a cluster's child it replaces that child for {@link #current}.
     */
    ChildProcess start(ChildSpec spec) {
        return supervisor.start(spec);
    }

    /** Children that ended without the test stopping them, e.g. "store2 exited 137". */
    List<String> unexpectedExits() {
        return List.copyOf(unexpectedExits);
    }

    /** The last lines of every child's log, for failure messages. */
    String logs() {
        StringBuilder out = new StringBuilder();
        List<String> names = new ArrayList<>(List.of(SCHEDULER));
        for (int i = 1; i <= stores; i++) {
            names.add(storeName(i));
        }
        for (String name : names) {
            Path logFile = dir.resolve(name + ".log");
            out.append("---- ")
                    .append(logFile)
                    .append(" (last ")
                    .append(LOG_TAIL_LINES)
                    .append(" lines)\n");
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

    /** Kills every child still running (SIGKILL: a test that ends here may have failed). */
    @Override
    public void close() {
        supervisor.killAll();
    }

    private static List<String> withJdkFlags(List<String> options) {
        List<String> all = new ArrayList<>(JavaCommand.ofCurrentJvm(List.of()).jvmOptions());
        all.addAll(options);
        return all;
    }

    static String serverClassPath() {
        String file = System.getProperty("tinykv.server.classpath.file");
        if (file == null) {
            throw new IllegalStateException("system property tinykv.server.classpath.file is not set "
                    + "(run the tests through Maven: mvn -pl compat-tests -am verify)");
        }
        try {
            return Files.readString(Path.of(file)).trim();
        } catch (IOException e) {
            throw new UncheckedIOException("cannot read the server class path from " + file, e);
        }
    }

    @Override
    public String toString() {
        return supervisor.children().stream().map(ChildProcess::toString).collect(Collectors.joining(", "));
    }
}
