package io.tinykv.server;

import io.tinykv.scheduler.HostAndPort;
import io.tinykv.scheduler.ReadyFile;
import io.tinykv.server.config.ConfigException;
import java.io.IOException;
import java.io.PrintWriter;
import java.nio.file.Path;
import java.util.Map;
import java.util.function.Supplier;
import org.slf4j.Logger;

/**
 * The life of a serving command ({@code tinykv server}, {@code tinykv standalone}) once it has its
 * settings: each failure told on stderr as {@code tinykv: ...} with an exit code of its own, the
 * bound addresses announced in {@code --ready-file}, then serving until a termination signal.
 */
public final class ServeUntilSignal {

    public static final int EXIT_START_FAILED = 1;
    /** Exit code for a configuration that cannot be used (picocli uses 2 for bad usage). */
    public static final int EXIT_BAD_CONFIG = 2;
    /** Exit code when the data dir belongs to another running process. */
    public static final int EXIT_DATA_DIR_LOCKED = 3;
    /**
     * Exit code of a store that stopped because the scheduler made it a tombstone (taken offline,
     * its replicas moved away): an end an operator asked for, not a failure.
     */
    public static final int EXIT_TOMBSTONE = 4;

    /** What a serving command's {@link Termination} throws when its store has become a tombstone. */
    public static final class TombstoneException extends IllegalStateException {
        public TombstoneException(String message) {
            super(message);
        }
    }

    private ServeUntilSignal() {}

    /** Waits for what started to stop serving. */
    @FunctionalInterface
    public interface Termination {
        /** Returns once closed; throws {@link IllegalStateException} when it stopped by failing. */
        void await() throws InterruptedException;
    }

    /** The exit code for settings that cannot be used, every problem listed. */
    public static int invalidConfig(PrintWriter err, ConfigException e) {
        err.println("tinykv: invalid configuration:");
        e.problems().forEach(p -> err.println("  " + p));
        err.flush();
        return EXIT_BAD_CONFIG;
    }

    /** The exit code for a start that threw {@code e} (a {@link RuntimeException} or {@link LinkageError}). */
    public static int startFailed(PrintWriter err, Logger log, Throwable e) {
        return switch (e) {
            case DataDirLock.DataDirLockedException locked -> fail(err, locked.getMessage(), EXIT_DATA_DIR_LOCKED);
            case DataFormatCheck.MismatchException mismatch -> fail(err, mismatch.getMessage(), EXIT_BAD_CONFIG);
            default -> {
                log.error("failed to start", e);
                yield fail(err, "failed to start: " + e.getMessage(), EXIT_START_FAILED);
            }
        };
    }

    /**
     * Writes {@code readyFile} (when given) with {@code addresses}, then serves until {@code
     * termination}: {@code close} called by a termination signal (exit code 0), or a failure.
     */
    public static int serve(
            PrintWriter err,
            Logger log,
            Termination termination,
            Runnable close,
            Path readyFile,
            Supplier<Map<String, String>> addresses)
            throws InterruptedException {
        if (readyFile != null) {
            try {
                ReadyFile.write(readyFile, addresses.get());
            } catch (IOException e) {
                close.run();
                return fail(err, "cannot write --ready-file " + readyFile + ": " + e.getMessage(), EXIT_START_FAILED);
            }
        }
        Runtime.getRuntime()
                .addShutdownHook(new Thread(
                        () -> {
                            log.info("termination signal received");
                            close.run();
                        },
                        "tinykv-shutdown"));
        try {
            termination.await();
        } catch (TombstoneException e) {
            return fail(err, e.getMessage(), EXIT_TOMBSTONE);
        } catch (IllegalStateException e) {
            return fail(err, e.getMessage(), EXIT_START_FAILED);
        }
        return 0;
    }

    /** {@code value} as an address, or the problem named after {@code option}. */
    public static HostAndPort parseAddr(String option, String value) {
        try {
            return HostAndPort.parse(value);
        } catch (IllegalArgumentException e) {
            throw new ConfigException(option + ": " + e.getMessage());
        }
    }

    private static int fail(PrintWriter err, String message, int exitCode) {
        err.println("tinykv: " + message);
        err.flush();
        return exitCode;
    }
}
