package io.tinykv.scheduler;

import io.prometheus.metrics.exporter.httpserver.HTTPServer;
import io.prometheus.metrics.model.registry.PrometheusRegistry;
import io.tinykv.scheduler.dashboard.DashboardHandler;
import io.tinykv.security.SecurityConfig;
import io.tinykv.security.SecurityOptions;
import io.tinykv.security.SecurityToml;
import io.tinykv.security.TlsCredentials;
import java.io.IOException;
import java.io.PrintWriter;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Locale;
import java.util.Map;
import java.util.concurrent.Callable;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

/**
 * {@code tinykv scheduler}: runs the placement driver until SIGTERM or SIGINT. Logs one line
 * ("scheduler ready: ...") with its address once it serves.
 *
 * <p>{@code --client-key-mode} sets how clients name keys, once per cluster: {@code RAW} (default)
 * for RawKV clients, {@code TXN} for transactional clients (TiKV's in API V1 mode and ours), which send
 * memcomparable-encoded keys to PD; region boundaries of transactional data are encoded user keys.
 */
@Command(
        name = "scheduler",
        mixinStandardHelpOptions = true,
        description = {
            "Runs the TinyKV scheduler (placement driver): cluster metadata, ids, timestamps, region routing,",
            "heartbeats and replica placement, served as pdpb.PD on one gRPC port."
        })
public final class SchedulerCommand implements Callable<Integer> {

    private static final Logger LOG = LoggerFactory.getLogger(SchedulerCommand.class);

    static final int EXIT_START_FAILED = 1;
    static final int EXIT_BAD_CONFIG = 2;

    @Option(
            names = "--addr",
            paramLabel = "HOST:PORT",
            description = "Address to listen on; port 0 picks a free port (default: ${DEFAULT-VALUE}).")
    String addr = SchedulerConfig.DEFAULT_LISTEN_ADDRESS.toString();

    @Option(
            names = "--advertise-addr",
            paramLabel = "HOST:PORT",
            description = "Address clients and stores are told to use (default: the listen address).")
    String advertiseAddr;

    @Option(names = "--data-dir", paramLabel = "DIR", description = "Metadata directory (default: ${DEFAULT-VALUE}).")
    Path dataDir = Path.of("scheduler-data");

    @Option(
            names = "--max-replicas",
            paramLabel = "N",
            description = "Peers per region, on distinct stores (default: ${DEFAULT-VALUE}).")
    int maxReplicas = SchedulerConfig.DEFAULT_MAX_REPLICAS;

    @Option(
            names = "--max-store-down-time",
            paramLabel = "DURATION",
            converter = DurationText.class,
            description = "How long a store may miss heartbeats before its peers are replaced, "
                    + "e.g. 30m, 90s (default: 30m).")
    Duration maxStoreDownTime = SchedulerConfig.DEFAULT_MAX_STORE_DOWN_TIME;

    @Option(
            names = "--store-disconnect-time",
            paramLabel = "DURATION",
            converter = DurationText.class,
            description = "How long without a heartbeat before a store gets no new peers (default: 20s).")
    Duration storeDisconnectTime = SchedulerConfig.DEFAULT_STORE_DISCONNECT_TIME;

    @Option(
            names = "--client-key-mode",
            paramLabel = "RAW|TXN",
            converter = KeyModeConverter.class,
            description = {
                "How clients name keys, one mode per cluster (default: ${DEFAULT-VALUE}):",
                "RAW: keys as they are (RawKV clients, tinykv ctl);",
                "TXN: memcomparable-encoded, as a TiKV client in transactional (API V1) mode sends them; "
                        + "region boundaries are encoded user keys too (the stores split transactional data there)."
            })
    ClientKeyMode clientKeyMode = ClientKeyMode.RAW;

    @Option(
            names = "--tso-save-window",
            paramLabel = "DURATION",
            converter = DurationText.class,
            description = "How far ahead the timestamp limit is persisted (default: 3s).")
    Duration tsoSaveWindow = SchedulerConfig.DEFAULT_TSO_SAVE_WINDOW;

    @Option(
            names = "--operator-timeout",
            paramLabel = "DURATION",
            converter = DurationText.class,
            description = "How long an operator that adds or removes peers may stay unfinished before it is "
                    + "dropped (default: 10m).")
    Duration operatorTimeout = SchedulerConfig.DEFAULT_OPERATOR_TIMEOUT;

    @Option(
            names = "--leader-operator-timeout",
            paramLabel = "DURATION",
            converter = DurationText.class,
            description = "How long an operator that only transfers leadership may stay unfinished before it is "
                    + "dropped (default: 10s).")
    Duration leaderOperatorTimeout = SchedulerConfig.DEFAULT_LEADER_OPERATOR_TIMEOUT;

    @Option(
            names = {"--balance-interval", "--balance-region-interval"},
            paramLabel = "DURATION",
            converter = DurationText.class,
            description = "How often the balance-leader and balance-region schedulers each look for one "
                    + "move; 0 turns balancing off (default: 1s).")
    Duration balanceInterval = ScheduleConfig.DEFAULT_BALANCE_INTERVAL;

    @Option(
            names = "--leader-schedule-limit",
            paramLabel = "N",
            description = "Balance-leader operators in flight per store (default: ${DEFAULT-VALUE}).")
    int leaderScheduleLimit = ScheduleConfig.DEFAULT_LEADER_SCHEDULE_LIMIT;

    @Option(
            names = "--region-schedule-limit",
            paramLabel = "N",
            description = "Peer-moving operators in flight per store before balance-region adds another "
                    + "there (default: ${DEFAULT-VALUE}).")
    int regionScheduleLimit = ScheduleConfig.DEFAULT_REGION_SCHEDULE_LIMIT;

    @Option(
            names = "--leader-tolerance",
            paramLabel = "N",
            description = "How many more leaders the busiest store may hold than another before one "
                    + "moves, >= 1 (default: ${DEFAULT-VALUE}).")
    int leaderTolerance = ScheduleConfig.DEFAULT_LEADER_TOLERANCE;

    @Option(
            names = "--region-tolerance-ratio",
            paramLabel = "RATIO",
            description = "Share of the mean store size two stores must differ by before a region moves "
                    + "(default: ${DEFAULT-VALUE}).")
    double regionToleranceRatio = ScheduleConfig.DEFAULT_REGION_TOLERANCE_RATIO;

    @Option(
            names = "--scatter-split-regions",
            paramLabel = "true|false",
            arity = "1",
            description = "Scatter regions fresh from a split over the stores (default: ${DEFAULT-VALUE}).")
    boolean scatterSplitRegions = ScheduleConfig.DEFAULT_SCATTER_SPLIT_REGIONS;

    @Option(
            names = "--scatter-memory",
            paramLabel = "DURATION",
            converter = DurationText.class,
            description =
                    "How long a scatter's placement counts towards spreading later ones evenly " + "(default: 10m).")
    Duration scatterMemory = ScheduleConfig.DEFAULT_SCATTER_MEMORY;

    @Option(
            names = "--patrol-region-batch",
            paramLabel = "N",
            description = "Regions the replica checker's patrol looks at per scheduling round, resuming where the "
                    + "last round stopped; N regions are all looked at within N / this many rounds "
                    + "(default: ${DEFAULT-VALUE}, as PD).")
    int patrolRegionBatch = ScheduleConfig.DEFAULT_PATROL_REGION_BATCH;

    @Option(
            names = "--gc-life-time",
            paramLabel = "DURATION",
            converter = DurationText.class,
            description =
                    "How long an overwritten version stays readable before MVCC GC may remove it " + "(default: 10m).")
    Duration gcLifeTime = GcConfig.DEFAULT_LIFE_TIME;

    @Option(
            names = "--gc-advance-interval",
            paramLabel = "DURATION",
            converter = DurationText.class,
            description = "How often the GC safe point is moved forward (default: 10s).")
    Duration gcAdvanceInterval = GcConfig.DEFAULT_ADVANCE_INTERVAL;

    @Option(
            names = "--status-addr",
            paramLabel = "HOST:PORT",
            description = "Serve the status page on http://HOST:PORT/ (its JSON API under /api/v1/) and "
                    + "Prometheus metrics on /metrics; empty turns it off (default: off).")
    String statusAddr = "";

    @Option(
            names = "--config",
            paramLabel = "FILE",
            description = "TOML file with a [security] section (ca-path, cert-path, key-path, cert-allowed-cn); "
                    + "the other settings are the options here.")
    Path configFile;

    @CommandLine.Mixin
    SecurityOptions security = new SecurityOptions();

    @Option(
            names = "--ready-file",
            paramLabel = "FILE",
            description = "Once serving, write the bound addresses (addr=HOST:PORT, status-addr=HOST:PORT) to FILE: "
                    + "how a launcher that passed port 0 learns the ports (default: none).")
    Path readyFile;

    @CommandLine.Spec
    CommandLine.Model.CommandSpec spec;

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

    /** Builds the configuration from the options. */
    SchedulerConfig config() {
        return new SchedulerConfig(
                HostAndPort.parse(addr),
                advertiseAddr == null ? null : HostAndPort.parse(advertiseAddr),
                dataDir,
                maxReplicas,
                maxStoreDownTime,
                storeDisconnectTime,
                clientKeyMode,
                tsoSaveWindow,
                SchedulerConfig.DEFAULT_ID_BATCH_SIZE,
                operatorTimeout,
                leaderOperatorTimeout,
                SchedulerConfig.DEFAULT_STORE_STATUS_CHECK_INTERVAL,
                new ScheduleConfig(
                        balanceInterval,
                        leaderScheduleLimit,
                        regionScheduleLimit,
                        leaderTolerance,
                        regionToleranceRatio,
                        scatterSplitRegions,
                        scatterMemory,
                        patrolRegionBatch),
                new GcConfig(gcLifeTime, gcAdvanceInterval));
    }

    /** The metrics endpoint; if it cannot start, the scheduler it would report on is stopped too. */
    private static HTTPServer startStatusServer(HostAndPort address, SchedulerServer server, TlsCredentials tls)
            throws IOException {
        try {
            HTTPServer status = HTTPServer.builder()
                    .hostname(address.host())
                    .port(address.port())
                    .registry(PrometheusRegistry.defaultRegistry)
                    .httpsConfigurator(tls.httpsConfigurator())
                    .defaultHandler(new DashboardHandler(server.dashboard()))
                    .buildAndStart();
            LOG.info(
                    "scheduler status page on {}://{}:{}/ (metrics on /metrics)",
                    tls.httpScheme(),
                    address.host(),
                    status.getPort());
            return status;
        } catch (IOException e) {
            server.close();
            throw BindErrors.wrap(
                    "--status-addr",
                    address,
                    e,
                    "give the scheduler a free --status-addr (each process on a host needs its own)");
        } catch (RuntimeException e) {
            server.close();
            throw e;
        }
    }

    /** The bound addresses; if the file cannot be written, the scheduler is stopped (its launcher waits for it). */
    private static void writeReadyFile(
            Path file, SchedulerServer server, HostAndPort listen, HostAndPort statusAddress, HTTPServer status)
            throws IOException {
        Map<String, String> addresses = ReadyFile.addresses(
                listen.withPort(server.port()),
                status == null ? "" : statusAddress.toString(),
                status == null ? -1 : status.getPort());
        try {
            ReadyFile.write(file, addresses);
        } catch (IOException e) {
            if (status != null) {
                status.close();
            }
            server.close();
            throw e;
        }
    }

    @Override
    public Integer call() throws InterruptedException {
        PrintWriter err = spec.commandLine().getErr();
        SchedulerConfig config;
        HostAndPort statusAddress;
        TlsCredentials tls;
        try {
            config = config();
            statusAddress = statusAddr.isBlank() ? null : HostAndPort.parse(statusAddr);
            tls = TlsCredentials.of(
                    security.over(configFile == null ? SecurityConfig.disabled() : SecurityToml.readFile(configFile)));
        } catch (IllegalArgumentException e) {
            err.println("tinykv scheduler: invalid configuration: " + e.getMessage());
            err.flush();
            return EXIT_BAD_CONFIG;
        }
        SchedulerServer server;
        HTTPServer status;
        try {
            server = SchedulerServer.start(config, tls);
            status = statusAddress == null ? null : startStatusServer(statusAddress, server, tls);
            if (readyFile != null) {
                writeReadyFile(readyFile, server, config.listenAddress(), statusAddress, status);
            }
        } catch (IOException | RuntimeException e) {
            LOG.error("scheduler failed to start", e);
            err.println("tinykv scheduler: failed to start: " + e.getMessage());
            err.flush();
            return EXIT_START_FAILED;
        }
        Runtime.getRuntime()
                .addShutdownHook(new Thread(
                        () -> {
                            LOG.info("termination signal received");
                            if (status != null) {
                                status.close();
                            }
                            server.close();
                        },
                        "scheduler-shutdown"));
        server.awaitTermination();
        return 0;
    }
}
