package io.tinykv.server.playground;

import io.tinykv.scheduler.ClientKeyMode;
import io.tinykv.security.ChannelFactory;
import io.tinykv.security.SecurityConfig;
import io.tinykv.security.SecurityConfigException;
import io.tinykv.security.SecurityOptions;
import io.tinykv.security.TlsCredentials;
import io.tinykv.server.DataDirLock;
import io.tinykv.server.TinykvVersion;
import io.tinykv.server.config.ConfigException;
import io.tinykv.server.config.ConfigLoader;
import io.tinykv.server.store.StoreConfigLoader;
import java.io.IOException;
import java.io.PrintWriter;
import java.io.UncheckedIOException;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Set;
import java.util.concurrent.Callable;
import java.util.concurrent.CountDownLatch;
import java.util.stream.Collectors;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

/**
 * {@code tinykv playground}: a whole cluster on this machine in one command — a scheduler and N stores,
 * each its own {@code tinykv} process on loopback, all data under one folder.
 *
 * <p>It waits until the cluster serves (every store registered, the first region fully replicated and
 * led), prints the address to give clients and each process's pid and log, and then runs until Ctrl-C
 * or SIGTERM, which stop every child cleanly (SIGTERM, a grace period, then SIGKILL). If the playground
 * itself is killed with SIGKILL, its children notice their closed stdin and stop by themselves
 * ({@link ParentWatch}). Starting again on the same folder finds the same data.
 *
 * <p>A shell without job control (a script's {@code tinykv playground &}) starts background commands
 * with SIGINT ignored, and the JVM keeps it ignored: such a playground stops on SIGTERM only.
 */
@Command(
        name = "playground",
        mixinStandardHelpOptions = true,
        versionProvider = TinykvVersion.class,
        description = {
            "Runs a local cluster: one 'tinykv scheduler' and N 'tinykv server' processes on loopback,",
            "data under one folder (scheduler/, store1/, ...; logs beside them). Ctrl-C stops it all;",
            "the next start on the same folder keeps the data."
        })
public final class PlaygroundCommand implements Callable<Integer> {
    private static final Logger LOG = LoggerFactory.getLogger(PlaygroundCommand.class);

    static final int EXIT_START_FAILED = 1;
    /** The folder belongs to another running playground. */
    static final int EXIT_DATA_DIR_LOCKED = 3;
    /** What the playground prints once the cluster serves; scripts and tests wait for it. */
    public static final String READY_LINE = "tinykv playground is up";

    static final int DEFAULT_STORES = 3;
    static final int DEFAULT_PD_PORT = 2379;
    static final int DEFAULT_BASE_PORT = 20160;
    static final int DEFAULT_START_TIMEOUT_SECONDS = 120;
    static final int DEFAULT_STOP_GRACE_SECONDS = 30;
    private static final double NANOS_PER_SECOND = 1e9;

    @Option(
            names = "--data-dir",
            paramLabel = "DIR",
            description = "The playground's folder (default: ./tinykv-playground).")
    Path dataDir = Path.of("tinykv-playground");

    @Option(names = "--stores", paramLabel = "N", description = "Number of store processes (default: 3).")
    int stores = DEFAULT_STORES;

    @Option(names = "--pd-port", paramLabel = "PORT", description = "The scheduler's (PD's) port (default: 2379).")
    int pdPort = DEFAULT_PD_PORT;

    @Option(
            names = "--base-port",
            paramLabel = "PORT",
            description = "Store i listens on PORT+i-1, its metrics on PORT+20+i-1 (default: 20160).")
    int basePort = DEFAULT_BASE_PORT;

    @Option(
            names = "--host",
            paramLabel = "HOST",
            description = "The address everything listens on (default: 127.0.0.1).")
    String host = "127.0.0.1";

    @Option(
            names = "--client-key-mode",
            paramLabel = "RAW|TXN",
            converter = KeyModeConverter.class,
            description = {
                "How clients name keys to the scheduler, one mode per cluster (default: RAW):",
                "RAW for RawKV clients and tinykv ctl, TXN for TiKV clients in transactional mode."
            })
    ClientKeyMode clientKeyMode = ClientKeyMode.RAW;

    @Option(
            names = "--enable-ttl",
            description = {
                "Every store runs with --enable-ttl: RawKV values may carry a TTL (TiKV's",
                "[storage] enable-ttl). Fixed when the playground's data is created."
            })
    boolean enableTtl;

    @Option(
            names = "--start-timeout-seconds",
            paramLabel = "S",
            description = "How long to wait for the cluster to serve (default: 120).")
    int startTimeoutSeconds = DEFAULT_START_TIMEOUT_SECONDS;

    @Option(
            names = "--stop-grace-seconds",
            paramLabel = "S",
            description = "How long children get to stop after SIGTERM before they are killed (default: 30).")
    int stopGraceSeconds = DEFAULT_STOP_GRACE_SECONDS;

    @Option(
            names = "--store-config",
            paramLabel = "FILE",
            description = {
                "A TOML file every store reads ('tinykv server --config FILE'), e.g. a small",
                "[coprocessor] region-max-size to watch regions split; the playground's own",
                "addresses and data folders override what it says. Checked before anything starts."
            })
    Path storeConfig;

    @Option(
            names = "--jvm-opt",
            paramLabel = "OPTION",
            description = "An option for every child JVM, e.g. --jvm-opt=-Xmx512m (repeatable).")
    List<String> jvmOptions = new ArrayList<>();

    @CommandLine.Mixin
    SecurityOptions security = new SecurityOptions();

    @CommandLine.Spec
    CommandLine.Model.CommandSpec spec;

    /**
     * {@code --config FILE} for every store, once the file loads as a store's configuration would (so
     * a typo fails here, naming the key, instead of in three store logs); none without {@code
     * --store-config}.
     */
    private List<String> storeConfigArguments() {
        if (storeConfig == null) {
            return List.of();
        }
        Path file = storeConfig.toAbsolutePath().normalize();
        StoreConfigLoader.parse(ConfigLoader.readFile(file), file.toString()).validate();
        return List.of("--config", file.toString());
    }

    @Override
    public Integer call() throws InterruptedException {
        PrintWriter out = spec.commandLine().getOut();
        PrintWriter err = spec.commandLine().getErr();
        PlaygroundLayout layout;
        try {
            layout = new PlaygroundLayout(
                    dataDir.toAbsolutePath().normalize(), host, stores, pdPort, basePort, clientKeyMode, enableTtl);
        } catch (IllegalArgumentException e) {
            throw new CommandLine.ParameterException(spec.commandLine(), e.getMessage());
        }
        if (startTimeoutSeconds <= 0 || stopGraceSeconds <= 0) {
            throw new CommandLine.ParameterException(
                    spec.commandLine(), "--start-timeout-seconds and --stop-grace-seconds must be > 0");
        }
        List<String> storeArgs;
        try {
            storeArgs = storeConfigArguments();
        } catch (ConfigException e) {
            throw new CommandLine.ParameterException(spec.commandLine(), "--store-config: " + e.getMessage());
        }
        TlsCredentials tls;
        try {
            tls = TlsCredentials.of(security.config());
        } catch (SecurityConfigException e) {
            throw new CommandLine.ParameterException(spec.commandLine(), e.getMessage());
        }
        DataDirLock lock;
        try {
            lock = DataDirLock.acquire(layout.dataDir());
        } catch (DataDirLock.DataDirLockedException e) {
            err.println("tinykv playground: " + e.getMessage());
            err.flush();
            return EXIT_DATA_DIR_LOCKED;
        }
        List<String> busy = busyPorts(layout);
        if (!busy.isEmpty()) {
            err.println("tinykv playground: in use already, choose other ports (--pd-port, --base-port): "
                    + String.join(", ", busy));
            err.flush();
            lock.close();
            return EXIT_START_FAILED;
        }
        Duration grace = Duration.ofSeconds(stopGraceSeconds);
        Supervisor supervisor = new Supervisor(JavaCommand.ofCurrentJvm(jvmOptions), Supervisor.ExitListener.LOG_IT);
        CountDownLatch stopped = new CountDownLatch(1);
        Runtime.getRuntime()
                .addShutdownHook(new Thread(
                        () -> {
                            LOG.info("stopping the playground");
                            for (Supervisor.Stopped child : supervisor.stopAll(grace)) {
                                LOG.info(
                                        "{} (pid {}) stopped with exit code {}{}",
                                        child.name(),
                                        child.pid(),
                                        child.exitCode(),
                                        child.killed() ? " after SIGKILL" : "");
                            }
                            lock.close();
                            LOG.info("playground stopped; data kept in {}", layout.dataDir());
                            stopped.countDown();
                        },
                        "playground-shutdown"));

        long startNanos = System.nanoTime();
        ClusterReadiness.Serving serving;
        try {
            for (ChildSpec layoutChild : layout.children()) {
                // Every child gets the same certificate: it serves with it and presents it to the others.
                ChildSpec child = layoutChild.withMoreArgs(security.asArguments());
                if (!layoutChild.name().equals(PlaygroundLayout.SCHEDULER)) {
                    child = child.withMoreArgs(storeArgs);
                }
                ChildProcess started = supervisor.start(child);
                LOG.info("started {} (pid {}): {}", child.name(), started.pid(), child.tinykvCommandLine());
            }
            serving = ClusterReadiness.overNetwork(ChannelFactory.withCredentials(tls.channelCredentials()))
                    .await(
                            layout.pdAddress(),
                            Set.copyOf(layout.storeAddresses()),
                            layout.maxReplicas(),
                            Duration.ofSeconds(startTimeoutSeconds),
                            supervisor::exited);
        } catch (ClusterReadiness.NotServingException | UncheckedIOException | IllegalStateException e) {
            // IllegalStateException: a signal arrived during the start and the supervisor is stopping.
            err.println("tinykv playground: " + e.getMessage());
            err.println("logs: "
                    + layout.children().stream()
                            .map(c -> c.logFile().toString())
                            .collect(Collectors.joining(" ")));
            err.flush();
            supervisor.stopAll(grace);
            return EXIT_START_FAILED;
        }
        double startedSeconds = (System.nanoTime() - startNanos) / NANOS_PER_SECOND;
        // A client needs the CA, a certificate and its key; cert-allowed-cn is a server's setting.
        SecurityConfig tlsConfig = security.config();
        List<String> clientTls = SecurityOptions.asArguments(
                new SecurityConfig(tlsConfig.caPath(), tlsConfig.certPath(), tlsConfig.keyPath(), List.of()));
        printSummary(out, layout, supervisor.children(), serving, startedSeconds, clientTls);
        // Runs until a signal: the shutdown hook stops the children, and the JVM exits once it is done.
        stopped.await();
        return 0;
    }

    private static void printSummary(
            PrintWriter out,
            PlaygroundLayout layout,
            List<ChildProcess> children,
            ClusterReadiness.Serving serving,
            double startedSeconds,
            List<String> tlsArgs) {
        out.printf(
                Locale.ROOT,
                "%s: %d store(s), started in %.1f s; data in %s%n",
                READY_LINE,
                layout.stores(),
                startedSeconds,
                layout.dataDir());
        out.println("  clients connect to PD at " + layout.pdAddress()
                + "   (tinykv ctl --pd " + layout.pdAddress()
                + (tlsArgs.isEmpty() ? "" : " " + String.join(" ", tlsArgs)) + " ...)");
        out.println("  status page: " + (tlsArgs.isEmpty() ? "http" : "https") + "://" + layout.schedulerStatusAddress()
                + "/   (stores, regions, operators, charts; JSON under /api/v1/)");
        if (layout.enableTtl()) {
            out.println("  RawKV TTL is on (--enable-ttl): every later start of this folder needs it too");
        }
        int nameWidth = children.stream().mapToInt(c -> c.name().length()).max().orElse(0);
        for (ChildProcess child : children) {
            String address = child.spec().address();
            Long storeId = serving.storeIds().get(address);
            out.printf(
                    Locale.ROOT,
                    "  %-" + nameWidth + "s  pid %-7d  %-21s  %s  log %s%n",
                    child.name(),
                    child.pid(),
                    address,
                    storeId == null ? "          " : String.format(Locale.ROOT, "store %-4d", storeId),
                    child.spec().logFile());
        }
        out.println("  region " + serving.firstRegion().id() + " has "
                + serving.firstRegion().region().getPeersCount() + " replicas, leader on store "
                + serving.firstRegion().leader().getStoreId());
        out.println("Ctrl-C stops the cluster; starting again with the same --data-dir keeps the data.");
        out.flush();
    }

    /** Accepts {@code raw} and {@code txn} in any case. */
    static final class KeyModeConverter implements CommandLine.ITypeConverter<ClientKeyMode> {
        @Override
        public ClientKeyMode convert(String value) {
            try {
                return ClientKeyMode.valueOf(value.trim().toUpperCase(Locale.ROOT));
            } catch (IllegalArgumentException e) {
                throw new CommandLine.TypeConversionException("expected RAW or TXN (got '" + value + "')");
            }
        }
    }

    /** The layout's ports that something already listens on. */
    private static List<String> busyPorts(PlaygroundLayout layout) {
        List<String> addresses = new ArrayList<>();
        addresses.add(layout.pdAddress());
        for (int i = 1; i <= layout.stores(); i++) {
            addresses.add(layout.storeAddress(i));
            addresses.add(layout.storeStatusAddress(i));
            addresses.add(layout.storePeerAddress(i));
        }
        List<String> busy = new ArrayList<>();
        for (String address : addresses) {
            int colon = address.lastIndexOf(':');
            try (ServerSocket socket = new ServerSocket()) {
                socket.setReuseAddress(true);
                socket.bind(new InetSocketAddress(
                        InetAddress.getByName(address.substring(0, colon)),
                        Integer.parseInt(address.substring(colon + 1))));
            } catch (IOException e) {
                busy.add(address);
            }
        }
        return busy;
    }
}
