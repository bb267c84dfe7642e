package io.tinykv.server.standalone;

import io.tinykv.scheduler.HostAndPort;
import io.tinykv.scheduler.ReadyFile;
import io.tinykv.security.SecurityOptions;
import io.tinykv.server.ServeUntilSignal;
import io.tinykv.server.TinykvVersion;
import io.tinykv.server.config.ConfigException;
import io.tinykv.server.config.ConfigLoader;
import io.tinykv.server.store.EnableTtlOption;
import io.tinykv.server.store.StoreConfigLoader;
import io.tinykv.server.store.StoreServerConfig;
import java.io.PrintWriter;
import java.nio.file.Path;
import java.util.Map;
import java.util.concurrent.Callable;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

/** {@code tinykv standalone}: a scheduler and one store in one process ({@link Standalone}). */
@Command(
        name = "standalone",
        mixinStandardHelpOptions = true,
        versionProvider = TinykvVersion.class,
        description = {
            "Runs a one-store TinyKV cluster in one process: a scheduler (the PD clients connect to, on --addr)",
            "and one store (the TiKV RawKV and transactional API, on --store-addr), every region with one replica.",
            "Settings come from the defaults, then --config, then the options below."
        })
public final class StandaloneCommand implements Callable<Integer> {

    private static final Logger LOG = LoggerFactory.getLogger(StandaloneCommand.class);

    public static final int EXIT_BAD_CONFIG = ServeUntilSignal.EXIT_BAD_CONFIG;
    public static final int EXIT_DATA_DIR_LOCKED = ServeUntilSignal.EXIT_DATA_DIR_LOCKED;
    public static final int EXIT_START_FAILED = ServeUntilSignal.EXIT_START_FAILED;
    /** The ready file's key for the store's bound address (beside addr, the scheduler's). */
    public static final String READY_STORE_ADDR = "store-addr";

    @Option(
            names = "--addr",
            paramLabel = "HOST:PORT",
            description =
                    "Address of the scheduler, the PD address clients use (server.addr; default 127.0.0.1:20160).")
    private String addr;

    @Option(
            names = "--advertise-addr",
            paramLabel = "HOST:PORT",
            description = {
                "Address clients are told to reach the scheduler at (server.advertise-addr; default: --addr);",
                "the store is advertised at its host and --store-addr's port."
            })
    private String advertiseAddr;

    @Option(
            names = "--store-addr",
            paramLabel = "HOST:PORT",
            description = "Address of the store (default: --addr's host and the next port; port 0 when --addr's is 0).")
    private String storeAddr;

    @Option(
            names = "--status-addr",
            paramLabel = "HOST:PORT",
            description = "Address of the store's HTTP status and /metrics endpoint, empty to disable "
                    + "(server.status-addr; default 127.0.0.1:20180).")
    private String statusAddr;

    @Option(
            names = "--data-dir",
            paramLabel = "DIR",
            description = "Data directory, with scheduler/ and store/ inside (server.data-dir; default ./data).")
    private Path dataDir;

    @CommandLine.Mixin
    private EnableTtlOption enableTtl = new EnableTtlOption();

    @Option(
            names = "--ready-file",
            paramLabel = "FILE",
            description =
                    "Once serving, write the bound addresses (addr=HOST:PORT of the scheduler, store-addr=HOST:PORT, "
                            + "status-addr=HOST:PORT) to FILE: how a launcher that passed port 0 learns the ports (default: none).")
    private Path readyFile;

    @Option(
            names = "--config",
            paramLabel = "FILE",
            description =
                    "TOML configuration file (see config/tinykv.example.toml; [store], [coprocessor] and [gc] "
                            + "as in server/config/tinykv-server.example.toml, but the store always reports to its own scheduler).")
    private Path configFile;

    @CommandLine.Mixin
    private SecurityOptions security = new SecurityOptions();

    @CommandLine.Spec
    private CommandLine.Model.CommandSpec spec;

    @Override
    public Integer call() throws InterruptedException {
        PrintWriter err = spec.commandLine().getErr();
        StandaloneConfig config;
        try {
            config = config();
        } catch (ConfigException e) {
            return ServeUntilSignal.invalidConfig(err, e);
        }
        Standalone standalone;
        try {
            standalone = Standalone.start(config);
        } catch (RuntimeException | LinkageError e) {
            return ServeUntilSignal.startFailed(err, LOG, e);
        }
        return ServeUntilSignal.serve(err, LOG, standalone::awaitTermination, standalone::close, readyFile, () -> {
            Map<String, String> addresses = ReadyFile.addresses(
                    standalone.schedulerAddress(), config.settings().server().statusAddr(), standalone.statusPort());
            addresses.put(READY_STORE_ADDR, standalone.storeAddress().toString());
            return addresses;
        });
    }

    private StandaloneConfig config() {
        HostAndPort listen = addr == null ? null : ServeUntilSignal.parseAddr("--addr", addr);
        StoreServerConfig settings = enableTtl.over(StoreConfigLoader.load(
                configFile,
                new ConfigLoader.Overrides(listen, advertiseAddr, statusAddr, dataDir),
                null,
                security.config()));
        HostAndPort store = storeAddr == null
                ? StandaloneConfig.defaultStoreAddr(settings.server().addr())
                : ServeUntilSignal.parseAddr("--store-addr", storeAddr);
        return new StandaloneConfig(settings, store).validate();
    }
}
