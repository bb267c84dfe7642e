package io.tinykv.server.store;

import io.tinykv.scheduler.HostAndPort;
import io.tinykv.scheduler.ReadyFile;
import io.tinykv.security.SecurityOptions;
import io.tinykv.server.ServeUntilSignal;
import io.tinykv.server.TinykvVersion;
import io.tinykv.server.config.ConfigException;
import io.tinykv.server.config.ConfigLoader;
import io.tinykv.server.config.Units;
import io.tinykv.storage.space.ReserveSpace;
import java.io.PrintWriter;
import java.nio.file.Path;
import java.util.concurrent.Callable;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

/** {@code tinykv server}: one store of a replicated cluster, found through the scheduler. */
@Command(
        name = "server",
        mixinStandardHelpOptions = true,
        versionProvider = TinykvVersion.class,
        description = {
            "Runs one store of a replicated TinyKV cluster: the TiKV RawKV and transactional API, a health",
            "service and the store-to-store Raft service on one port. Finds the cluster through the",
            "scheduler (--pd); the first store started bootstraps the cluster.",
            "Settings come from the defaults, then --config, then the options below."
        })
public final class ServerCommand implements Callable<Integer> {

    private static final Logger LOG = LoggerFactory.getLogger(ServerCommand.class);

    static final int EXIT_BAD_CONFIG = ServeUntilSignal.EXIT_BAD_CONFIG;
    static final int EXIT_DATA_DIR_LOCKED = ServeUntilSignal.EXIT_DATA_DIR_LOCKED;
    /** Exit code when the data dir belongs to another cluster than the scheduler's. */
    static final int EXIT_WRONG_CLUSTER = 4;

    static final int EXIT_START_FAILED = ServeUntilSignal.EXIT_START_FAILED;

    @Option(
            names = "--pd",
            paramLabel = "HOST:PORT[,HOST:PORT...]",
            description = "The scheduler's address(es) (store.pd-endpoints; default "
                    + StoreServerConfig.DEFAULT_PD_ENDPOINT + ").")
    private String pd;

    @Option(
            names = "--addr",
            paramLabel = "HOST:PORT",
            description = "Address to listen on (server.addr; default 127.0.0.1:20160).")
    private String addr;

    @Option(
            names = "--advertise-addr",
            paramLabel = "HOST:PORT",
            description =
                    "Address other stores and clients are told to use (server.advertise-addr; " + "default: --addr).")
    private String advertiseAddr;

    @Option(
            names = "--peer-addr",
            paramLabel = "HOST:PORT",
            description = "Serve the store-to-store service (Raft messages, snapshots) on this address of its own, "
                    + "advertised to the scheduler as the store's peer_address, so a firewall can admit stores "
                    + "there and clients to --addr only; port 0 picks a free one; 'shared' serves it on --addr "
                    + "(safe under TLS only) (server.peer-addr; default: --addr's host and port + 40, port 0 if "
                    + "--addr's is 0).")
    private String peerAddr;

    @Option(
            names = "--status-addr",
            paramLabel = "HOST:PORT",
            description = "Address of the HTTP status and /metrics endpoint, empty to disable "
                    + "(server.status-addr; default 127.0.0.1:20180).")
    private String statusAddr;

    @Option(names = "--data-dir", paramLabel = "DIR", description = "Data directory (server.data-dir; default ./data).")
    private Path dataDir;

    @Option(
            names = "--reserve-space",
            paramLabel = "SIZE",
            description =
                    "Free disk space kept for the store: under it, client writes are refused with "
                            + "disk_full; 0 turns the check off (storage.reserve-space; default 5%% of the disk, at most 2GiB).")
    private String reserveSpace;

    @CommandLine.Mixin
    private EnableTtlOption enableTtl = new EnableTtlOption();

    @Option(
            names = "--region-max-size",
            paramLabel = "SIZE",
            description =
                    "A region larger than this is split, e.g. 384KiB (coprocessor.region-max-size; default 144MiB).")
    private String regionMaxSize;

    @Option(
            names = "--region-split-size",
            paramLabel = "SIZE",
            description = "The size of the pieces a region is split into, at most --region-max-size "
                    + "(coprocessor.region-split-size; default 96MiB).")
    private String regionSplitSize;

    @Option(
            names = "--region-max-keys",
            paramLabel = "N",
            description = "A region with more keys than this is split (coprocessor.region-max-keys; default 1440000).")
    private Long regionMaxKeys;

    @Option(
            names = "--region-split-keys",
            paramLabel = "N",
            description = "The key count of the pieces (coprocessor.region-split-keys; default 960000).")
    private Long regionSplitKeys;

    @CommandLine.Mixin
    private HibernateRegionsOption hibernateRegions = new HibernateRegionsOption();

    @Option(
            names = "--ready-file",
            paramLabel = "FILE",
            description =
                    "Once serving, write the bound addresses (addr=HOST:PORT, status-addr=HOST:PORT, peer-addr=HOST:PORT) to FILE: "
                            + "how a launcher that passed port 0 learns the ports (default: none).")
    private Path readyFile;

    @Option(
            names = "--config",
            paramLabel = "FILE",
            description = "TOML configuration file (see server/config/tinykv-server.example.toml).")
    private Path configFile;

    @CommandLine.Mixin
    private SecurityOptions security = new SecurityOptions();

    @CommandLine.Spec
    private CommandLine.Model.CommandSpec spec;

    @Override
    public Integer call() throws InterruptedException {
        PrintWriter err = spec.commandLine().getErr();
        StoreServerConfig config;
        try {
            config = config();
        } catch (ConfigException e) {
            return ServeUntilSignal.invalidConfig(err, e);
        }
        StoreServer server;
        try {
            server = StoreServer.start(config);
        } catch (StoreBootstrap.ClusterMismatchException e) {
            err.println("tinykv: " + e.getMessage());
            err.flush();
            return EXIT_WRONG_CLUSTER;
        } catch (RuntimeException | LinkageError e) {
            return ServeUntilSignal.startFailed(err, LOG, e);
        }
        return ServeUntilSignal.serve(
                err,
                LOG,
                server::awaitTermination,
                server::close,
                readyFile,
                () -> ReadyFile.addresses(
                        server.boundAddress(),
                        server.peerAddress(),
                        config.server().statusAddr(),
                        server.statusPort()));
    }

    private StoreServerConfig config() {
        HostAndPort listen = addr == null ? null : ServeUntilSignal.parseAddr("--addr", addr);
        StoreServerConfig config = StoreConfigLoader.load(
                configFile,
                new ConfigLoader.Overrides(listen, advertiseAddr, statusAddr, dataDir, peerAddr),
                pd == null ? null : StoreConfigLoader.splitEndpoints(pd),
                security.config());
        if (reserveSpace != null) {
            config = config.withBase(config.base()
                            .withStorage(config.base().storage().withReserveSpace(parseReserve(reserveSpace))))
                    .validate();
        }
        if (regionMaxSize != null || regionSplitSize != null || regionMaxKeys != null || regionSplitKeys != null) {
            config = config.withCoprocessor(config.coprocessor()
                            .withSizes(
                                    parseSize("--region-max-size", regionMaxSize),
                                    parseSize("--region-split-size", regionSplitSize))
                            .withKeys(regionMaxKeys, regionSplitKeys))
                    .validate();
        }
        return enableTtl.over(hibernateRegions.over(config));
    }

    /** Null when the option was not given. */
    private static Long parseSize(String option, String value) {
        if (value == null) {
            return null;
        }
        try {
            return Units.parseBytes(value);
        } catch (IllegalArgumentException | ArithmeticException e) {
            throw new ConfigException(option + ": " + e.getMessage());
        }
    }

    private static ReserveSpace parseReserve(String value) {
        try {
            return new ReserveSpace.Fixed(Units.parseBytes(value));
        } catch (IllegalArgumentException | ArithmeticException e) {
            throw new ConfigException("--reserve-space: " + e.getMessage());
        }
    }
}
