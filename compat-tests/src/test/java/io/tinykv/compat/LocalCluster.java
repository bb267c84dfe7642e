package io.tinykv.compat;

import io.grpc.ManagedChannel;
import io.grpc.StatusRuntimeException;
import io.grpc.health.v1.HealthCheckRequest;
import io.grpc.health.v1.HealthCheckResponse;
import io.grpc.health.v1.HealthGrpc;
import io.grpc.netty.shaded.io.grpc.netty.NettyChannelBuilder;
import io.tinykv.client.ChannelFactory;
import io.tinykv.scheduler.ClientKeyMode;
import io.tinykv.security.SecurityConfig;
import io.tinykv.security.SecurityOptions;
import io.tinykv.security.TlsCredentials;
import io.tinykv.server.playground.ChildProcess;
import io.tinykv.server.playground.ChildSpec;
import io.tinykv.server.playground.ClusterReadiness;
import io.tinykv.server.playground.JavaCommand;
import io.tinykv.server.playground.PlaygroundLayout;
import io.tinykv.server.playground.Supervisor;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Iterator;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.TimeUnit;
import java.util.stream.Collectors;

/**
 * A real replicated cluster for tests: one {@code tinykv scheduler} and N {@code tinykv server} child
 * processes on free loopback ports, laid out like the playground's (it uses the playground's layout,
 * supervisor and readiness check). {@link #close()} kills every child (SIGKILL), so a failing test
 * leaves nothing behind; and the children stop by themselves if this JVM dies ({@code ChildMain}).
 */
final class LocalCluster implements AutoCloseable {
    static final String LOOPBACK = "127.0.0.1";
    /** Small heaps and a cheap JIT and GC: five JVMs share two cores in CI. */
    static final List<String> CHILD_JVM_OPTIONS = List.of("-Xmx256m", "-XX:+UseSerialGC", "-XX:TieredStopAtLevel=1");
    private static final int PORT_SEARCH_ATTEMPTS = 100;
    private static final int LOG_TAIL_LINES = 40;
    private static final Duration HEALTH_ATTEMPT = Duration.ofSeconds(2);

    private final PlaygroundLayout layout;
    /** The TLS settings every child gets, and the readiness checks connect with (disabled: plaintext). */
    private final SecurityConfig security;
    private final TlsCredentials tls;
    /** Arguments added to each child's own, by child name (TLS options, the scheduler's status address). */
    private final Map<String, List<String>> extraArgs;
    private final Supervisor supervisor;
    private final List<String> unexpectedExits = new CopyOnWriteArrayList<>();
    /** Store ids by address, learned when the cluster first served. */
    private volatile Map<String, Long> storeIds = Map.of();

    private LocalCluster(PlaygroundLayout layout, SecurityConfig security, Map<String, List<String>> extraArgs) {
        this.layout = layout;
        this.security = security;
        this.tls = TlsCredentials.of(security);
        this.extraArgs = Map.copyOf(extraArgs);
        JavaCommand java = new JavaCommand(JavaCommand.ofCurrentJvm(List.of()).javaBinary(), serverClassPath(),
                withJdkFlags(CHILD_JVM_OPTIONS));
        this.supervisor = new Supervisor(java, (child, exitCode) -> unexpectedExits.add(child.name() + " exited " + exitCode));
    }

    /** Starts the scheduler and the stores (without waiting for them to serve), for RawKV clients. */
    static LocalCluster start(Path dir, int stores) {
        return start(dir, stores, ClientKeyMode.RAW);
    }

    /** Starts the scheduler (answering clients in {@code keyMode}) and the stores, without waiting. */
    static LocalCluster start(Path dir, int stores, ClientKeyMode keyMode) {
        return start(dir, stores, keyMode, false, List.of());
    }

    /** Like {@link #start(Path, int, ClientKeyMode)}, every store with {@code --enable-ttl} when asked. */
    static LocalCluster start(Path dir, int stores, ClientKeyMode keyMode, boolean enableTtl) {
        return start(dir, stores, keyMode, enableTtl, List.of());
    }

    /** Like {@link #start(Path, int, ClientKeyMode)}, every store started with {@code extraStoreArgs} too. */
    static LocalCluster start(Path dir, int stores, ClientKeyMode keyMode, List<String> extraStoreArgs) {
        return start(dir, stores, keyMode, false, extraStoreArgs);
    }

    private static LocalCluster start(Path dir, int stores, ClientKeyMode keyMode, boolean enableTtl,
            List<String> extraStoreArgs) {
        int[] ports = freePorts(stores);
        PlaygroundLayout layout = new PlaygroundLayout(dir, LOOPBACK, stores, ports[0], ports[1], keyMode, enableTtl);
        // Extra arguments are kept per child, so a restarted store gets them again.
        Map<String, List<String>> extra = new java.util.HashMap<>();
        if (!extraStoreArgs.isEmpty()) {
            for (ChildSpec spec : layout.children()) {
                if (!spec.name().equals(layout.scheduler().name())) {
                    extra.put(spec.name(), List.copyOf(extraStoreArgs));
                }
            }
        }
        return start(new LocalCluster(layout, SecurityConfig.disabled(), extra));
    }

    /**
     * Starts a cluster with mutual TLS: every child gets {@code security} (one certificate for the
     * scheduler and the stores), and the scheduler also serves its status endpoint on a free port
     * ({@link #schedulerStatusAddress()}).
     */
    static LocalCluster startWithTls(Path dir, int stores, SecurityConfig security) {
        int[] ports = freePorts(stores);
        PlaygroundLayout layout = new PlaygroundLayout(dir, LOOPBACK, stores, ports[0], ports[1], ClientKeyMode.RAW);
        Map<String, List<String>> extra = new java.util.HashMap<>();
        for (ChildSpec spec : layout.children()) {
            extra.put(spec.name(), SecurityOptions.asArguments(security));
        }
        List<String> scheduler = new ArrayList<>(extra.get(layout.scheduler().name()));
        scheduler.addAll(List.of("--status-addr", LOOPBACK + ":" + freePortOutside(layout)));
        extra.put(layout.scheduler().name(), scheduler);
        return start(new LocalCluster(layout, security, extra));
    }

    private static LocalCluster start(LocalCluster cluster) {
        try {
            for (ChildSpec spec : cluster.layout.children()) {
                cluster.supervisor.start(cluster.withExtraArgs(spec));
            }
        } catch (RuntimeException e) {
            cluster.close();
            throw e;
        }
        return cluster;
    }

    PlaygroundLayout layout() {
        return layout;
    }

    private ChildSpec withExtraArgs(ChildSpec spec) {
        return spec.withMoreArgs(extraArgs.getOrDefault(spec.name(), List.of()));
    }

    /** The scheduler's status endpoint ({@code host:port}) of a {@link #startWithTls} cluster. */
    String schedulerStatusAddress() {
        List<String> args = extraArgs.getOrDefault(layout.scheduler().name(), List.of());
        int i = args.indexOf("--status-addr");
        if (i < 0) {
            throw new IllegalStateException("the scheduler of this cluster serves no status endpoint");
        }
        return args.get(i + 1);
    }

    /** The TLS settings the children run with (disabled: plaintext). */
    SecurityConfig security() {
        return security;
    }

    String pdAddress() {
        return layout.pdAddress();
    }

    /**
     * Waits until every store is registered and up and the first region has all its replicas and a
     * leader; fails early, with the logs, when a child dies.
     */
    ClusterReadiness.Serving awaitServing(Duration timeout) throws InterruptedException {
        try {
            ClusterReadiness.Serving serving = ClusterReadiness.overNetwork(
                    ChannelFactory.withCredentials(tls.channelCredentials())).await(layout.pdAddress(),
                    Set.copyOf(layout.storeAddresses()), layout.maxReplicas(), timeout, supervisor::exited);
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
        ManagedChannel channel = NettyChannelBuilder
                .forAddress(new InetSocketAddress(address.substring(0, colon), Integer.parseInt(address.substring(colon + 1))),
                        tls.channelCredentials())
                .build();
        try {
            while (System.nanoTime() < deadline) {
                if (!child.isAlive()) {
                    throw new AssertionError(name + " exited with code " + child.exitCode() + " before serving\n" + logs());
                }
                // Watch waits for the connection and then streams status changes: no polling interval.
                try {
                    Iterator<HealthCheckResponse> statuses = HealthGrpc.newBlockingStub(channel).withWaitForReady()
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
        for (int i = 1; i <= layout.stores(); i++) {
            if (Long.valueOf(storeId).equals(storeIds.get(layout.storeAddress(i)))) {
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

    /** Starts a stopped child again, with the same arguments (so the same data and port). */
    ChildProcess restart(String name) {
        ChildSpec spec = layout.children().stream().filter(s -> s.name().equals(name)).findFirst().orElseThrow();
        return supervisor.start(withExtraArgs(spec));
    }

    /**
     * Starts a child with arguments of the test's choosing (e.g. a store's with one flag changed);
     * under the name of a layout's child it replaces that child for {@link #current} and readiness.
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
        for (ChildSpec spec : layout.children()) {
            out.append("---- ").append(spec.logFile()).append(" (last ").append(LOG_TAIL_LINES).append(" lines)\n");
            try {
                List<String> lines = Files.exists(spec.logFile()) ? Files.readAllLines(spec.logFile()) : List.of();
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

    /**
     * A free PD port and a free store base port for {@code stores} stores: the base port and the
     * stores' ports after it, and their status ports {@value PlaygroundLayout#STATUS_PORT_OFFSET} above,
     * all free now.
     */
    static int[] freePorts(int stores) {
        int pd = freePort();
        for (int attempt = 0; attempt < PORT_SEARCH_ATTEMPTS; attempt++) {
            int base = freePort();
            List<Integer> wanted = new ArrayList<>();
            for (int i = 0; i < stores; i++) {
                wanted.add(base + i);
                wanted.add(base + i + PlaygroundLayout.STATUS_PORT_OFFSET);
            }
            if (!wanted.contains(pd) && wanted.stream().allMatch(LocalCluster::isFree)) {
                return new int[] {pd, base};
            }
        }
        throw new IllegalStateException("no free block of loopback ports after " + PORT_SEARCH_ATTEMPTS + " attempts");
    }

    /** A free port that is none of the layout's (which are free now, but about to be bound). */
    private static int freePortOutside(PlaygroundLayout layout) {
        for (int attempt = 0; attempt < PORT_SEARCH_ATTEMPTS; attempt++) {
            String candidate = LOOPBACK + ":" + freePort();
            boolean taken = candidate.equals(layout.pdAddress());
            for (int i = 1; i <= layout.stores(); i++) {
                taken |= candidate.equals(layout.storeAddress(i)) || candidate.equals(layout.storeStatusAddress(i));
            }
            if (!taken) {
                return Integer.parseInt(candidate.substring(candidate.lastIndexOf(':') + 1));
            }
        }
        throw new IllegalStateException("no free loopback port outside the cluster's after " + PORT_SEARCH_ATTEMPTS
                + " attempts");
    }

    private static int freePort() {
        try (ServerSocket socket = new ServerSocket(0, 1, InetAddress.getByName(LOOPBACK))) {
            return socket.getLocalPort();
        } catch (IOException e) {
            throw new UncheckedIOException("no free loopback port", e);
        }
    }

    private static boolean isFree(int port) {
        if (port > 65_535) {
            return false;
        }
        try (ServerSocket socket = new ServerSocket()) {
            socket.bind(new InetSocketAddress(InetAddress.getByName(LOOPBACK), port));
            return true;
        } catch (IOException e) {
            return false;
        }
    }

    @Override
    public String toString() {
        return supervisor.children().stream().map(ChildProcess::toString).collect(Collectors.joining(", "));
    }
}
