package io.tinykv.server;

import io.tinykv.server.config.Config;
import io.tinykv.server.config.ConfigException;
import io.tinykv.server.config.ConfigLoader;
import io.tinykv.scheduler.HostAndPort;
import io.tinykv.security.SecurityOptions;
import io.tinykv.scheduler.ReadyFile;
import java.io.IOException;
import java.io.PrintWriter;
import java.nio.file.Path;
import java.security.SecureRandom;
import java.util.concurrent.Callable;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

/** {@code tinykv standalone}: one process, one store, an embedded PD, no replication. */
@Command(
        name = "standalone",
        mixinStandardHelpOptions = true,
        versionProvider = TinykvVersion.class,
        description = {
            "Runs a single-store TinyKV: the TiKV RawKV API, an embedded PD and a health service on one port.",
            "Settings come from the defaults, then --config, then the options below."
        })
public final class StandaloneCommand implements Callable<Integer> {

    private static final Logger LOG = LoggerFactory.getLogger(StandaloneCommand.class);

    /** Exit code for a configuration that cannot be used (picocli uses 2 for bad usage). */
    static final int EXIT_BAD_CONFIG = 2;
    /** Exit code when the data dir belongs to another running process. */
    static final int EXIT_DATA_DIR_LOCKED = 3;
    static final int EXIT_START_FAILED = 1;

    @Option(names = "--addr", paramLabel = "HOST:PORT",
            description = "Address to listen on (server.addr; default 127.0.0.1:20160).")
    private String addr;

    @Option(names = "--advertise-addr", paramLabel = "HOST:PORT",
            description = "Address clients are told to use (server.advertise-addr; default: --addr).")
    private String advertiseAddr;

    @Option(names = "--status-addr", paramLabel = "HOST:PORT",
            description = "Address of the HTTP status and /metrics endpoint, empty to disable "
                    + "(server.status-addr; default 127.0.0.1:20180).")
    private String statusAddr;

    @Option(names = "--data-dir", paramLabel = "DIR", description = "Data directory (server.data-dir; default ./data).")
    private Path dataDir;

    @Option(names = "--enable-ttl", negatable = true,
            description = {"RawKV values carry a TTL, as TiKV's [storage] enable-ttl (storage.enable-ttl;",
                "default off). Fixed when the store's data is created: a store refuses to start with the",
                "other setting."})
    private Boolean enableTtl;

    @Option(names = "--ready-file", paramLabel = "FILE",
            description = "Once serving, write the bound addresses (addr=HOST:PORT, status-addr=HOST:PORT) to FILE: "
                    + "how a launcher that passed port 0 learns the ports (default: none).")
    private Path readyFile;

    @Option(names = "--config", paramLabel = "FILE",
            description = "TOML configuration file (see config/tinykv.example.toml).")
    private Path configFile;

    @CommandLine.Mixin
    private SecurityOptions security = new SecurityOptions();

    @CommandLine.Spec
    private CommandLine.Model.CommandSpec spec;

    @Override
    public Integer call() throws InterruptedException {
        PrintWriter err = spec.commandLine().getErr();
        Config config;
        try {
            HostAndPort listen = addr == null ? null : parseAddr("--addr", addr);
            config = ConfigLoader.load(configFile,
                    new ConfigLoader.Overrides(listen, advertiseAddr, statusAddr, dataDir), security.config());
            if (enableTtl != null) {
                config = config.withStorage(config.storage().withEnableTtl(enableTtl)).validate();
            }
        } catch (ConfigException e) {
            err.println("tinykv: invalid configuration:");
            e.problems().forEach(p -> err.println("  " + p));
            err.flush();
            return EXIT_BAD_CONFIG;
        }
        StandaloneServer server;
        try {
            server = StandaloneServer.start(config, ProcessWiring.ROCKSDB,
                    System::currentTimeMillis, new SecureRandom());
        } catch (DataDirLock.DataDirLockedException e) {
            err.println("tinykv: " + e.getMessage());
            err.flush();
            return EXIT_DATA_DIR_LOCKED;
        } catch (DataFormatCheck.MismatchException e) {
            err.println("tinykv: " + e.getMessage());
            err.flush();
            return EXIT_BAD_CONFIG;
        } catch (RuntimeException | LinkageError e) {
            LOG.error("failed to start", e);
            err.println("tinykv: failed to start: " + e.getMessage());
            err.flush();
            return EXIT_START_FAILED;
        }
        if (readyFile != null) {
            try {
                ReadyFile.write(readyFile, ReadyFile.addresses(server.boundAddress(), config.server().statusAddr(),
                        server.statusPort()));
            } catch (IOException e) {
                server.close();
                err.println("tinykv: cannot write --ready-file " + readyFile + ": " + e.getMessage());
                err.flush();
                return EXIT_START_FAILED;
            }
        }
        Runtime.getRuntime().addShutdownHook(new Thread(() -> {
            LOG.info("termination signal received");
            server.close();
        }, "tinykv-shutdown"));
        server.awaitTermination();
        return 0;
    }

    private static HostAndPort parseAddr(String option, String value) {
        try {
            return HostAndPort.parse(value);
        } catch (IllegalArgumentException e) {
            throw new ConfigException(option + ": " + e.getMessage());
        }
    }
}
