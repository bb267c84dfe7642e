package io.tinykv.compat;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.catchThrowable;
import static org.assertj.core.api.Assertions.catchThrowableOfType;

import io.grpc.ManagedChannel;
import io.grpc.StatusRuntimeException;
import io.grpc.health.v1.HealthCheckRequest;
import io.grpc.health.v1.HealthCheckResponse;
import io.grpc.health.v1.HealthGrpc;
import io.grpc.netty.shaded.io.grpc.netty.NettyChannelBuilder;
import io.tinykv.client.ClientConfig;
import io.tinykv.client.RegionErrorException;
import io.tinykv.client.TinyKvException;
import io.tinykv.client.raw.RawKvClient;
import io.tinykv.scheduler.ClientKeyMode;
import io.tinykv.scheduler.ReadyFile;
import io.tinykv.server.playground.ChildProcess;
import io.tinykv.server.playground.ChildSpec;
import io.tinykv.server.playground.ClusterReadiness;
import io.tinykv.server.playground.JavaCommand;
import io.tinykv.server.playground.Supervisor;
import io.tinykv.storage.space.SpacePlaceholder;
import io.tinykv.testkit.wait.Await;
import java.io.IOException;
import java.io.InputStream;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicReference;
import java.util.function.BooleanSupplier;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.tikv.common.TiSession;
import org.tikv.common.exception.RegionException;
import org.tikv.raw.RawKVClient;

/**
 * A real {@code tinykv server} whose data lives on a small tmpfs that the test mounts (as root) and
 * fills with a ballast file: under the reserve, writes are refused with the region error
 * {@code disk_full} — through the TiKV Java client and ours — while reads and deletions go on;
 * under half of it, the store deletes its space placeholder; with the ballast gone, writes come
 * back without a restart; and a store restarted on a nearly full disk starts and serves reads.
 * Every step measures the free space itself, so the fault is known to have happened.
 */
@SuppressWarnings("try") // TiSession.close() declares Exception (the client's signature, not ours)
class DiskFullCompatTest {
    private static final Logger LOG = LoggerFactory.getLogger(DiskFullCompatTest.class);
    private static final long MIB = 1024 * 1024;
    private static final long DISK_BYTES = 64 * MIB;
    private static final long RESERVE_BYTES = 16 * MIB;
    /** Fifth of the reserve (DiskSpaceGuard's rule), rounded down by integer division. */
    private static final long PLACEHOLDER_BYTES = RESERVE_BYTES / 5;

    private static final String DISK_CHECK_INTERVAL = "100ms";
    private static final Duration STARTUP = Duration.ofMinutes(5);
    /** Generous for a loaded two-core machine; conditions end the waits long before. */
    private static final Duration CONDITION = Duration.ofSeconds(30);

    private static final Duration STOP = Duration.ofSeconds(30);
    private static final long POLL_MILLIS = 20;
    private static final int KEYS = 10;
    private static final int CHUNK_BYTES = 1 << 20;

    @TempDir
    Path dir;

    private Path disk;
    private boolean mounted;
    private Supervisor supervisor;
    private final List<String> unexpectedExits = new CopyOnWriteArrayList<>();
    /** Children the test killed itself: their exits are expected. */
    private final Set<Long> killedPids = java.util.concurrent.ConcurrentHashMap.newKeySet();

    @BeforeEach
    void mountSmallDisk() throws Exception {
        disk = Files.createDirectories(dir.resolve("disk"));
        Assumptions.assumeTrue(
                System.getProperty("os.name").startsWith("Linux"),
                "tmpfs mounts need Linux; this is " + System.getProperty("os.name"));
        Result mount = run("mount", "-t", "tmpfs", "-o", "size=" + DISK_BYTES, "tmpfs", disk.toString());
        if (mount.exitCode() != 0) {
            String why = mount.output().toLowerCase();
            boolean notPermitted = why.contains("permission denied")
                    || why.contains("not permitted")
                    || why.contains("must be superuser")
                    || why.contains("only root");
            Assumptions.assumeFalse(
                    notPermitted,
                    "mounting a tmpfs is not permitted here (the test needs root " + "and CAP_SYS_ADMIN): "
                            + mount.output().trim());
            throw new AssertionError("mount -t tmpfs failed: " + mount.output());
        }
        mounted = true;
    }

    @AfterEach
    void stopAndUnmount() throws Exception {
        if (supervisor != null) {
            supervisor.killAll();
        }
        if (mounted) {
            // The store is gone, so nothing holds the mount; lazily in case a child is still exiting.
            Result umount = run("umount", disk.toString());
            if (umount.exitCode() != 0) {
                Result lazy = run("umount", "-l", disk.toString());
                assertThat(lazy.exitCode())
                        .as("umount -l %s: %s", disk, lazy.output())
                        .isZero();
            }
        }
    }

    @Test
    void writesAreRefusedUnderTheReserveReadsGoOnAndWritesComeBackWithSpace() throws Exception {
        supervisor = new Supervisor(childJava(), (child, exitCode) -> {
            if (!killedPids.contains(child.pid())) {
                unexpectedExits.add(child.name() + " exited " + exitCode);
            }
        });
        // Port 0 everywhere: the children report the ports they bound (see ReadyFiles).
        Path schedulerReady = dir.resolve("scheduler.ready");
        ChildProcess scheduler = supervisor.start(new ChildSpec(
                "scheduler",
                ReadyFiles.ANY_LOOPBACK_PORT,
                List.of(
                        "scheduler",
                        "--addr",
                        ReadyFiles.ANY_LOOPBACK_PORT,
                        "--data-dir",
                        dir.resolve("scheduler").toString(),
                        "--max-replicas",
                        "1",
                        "--client-key-mode",
                        ClientKeyMode.RAW.name(),
                        "--ready-file",
                        schedulerReady.toString()),
                dir.resolve("scheduler.log")));
        String pd = ReadyFiles.await(scheduler, schedulerReady, STARTUP, () -> tail(dir.resolve("scheduler.log")))
                .get(ReadyFile.ADDR);
        Path storeData = disk.resolve("store1");
        Path config = Files.writeString(dir.resolve("store1.toml"), """
                [storage]
                # Small memtables: a 64 MiB disk holds both engines' logs and flushes.
                block-cache-size = "8MiB"
                write-buffer-size = "2MiB"
                raft-write-buffer-size = "2MiB"
                disk-check-interval = "%s"
                """.formatted(DISK_CHECK_INTERVAL));
        Path storeReady = dir.resolve("store1.ready");
        ChildProcess firstStore = supervisor.start(storeSpec(
                pd,
                ReadyFiles.ANY_LOOPBACK_PORT,
                ReadyFiles.ANY_LOOPBACK_PORT,
                storeData,
                config,
                List.of("--ready-file", storeReady.toString())));
        java.util.Map<String, String> bound =
                ReadyFiles.await(firstStore, storeReady, STARTUP, () -> tail(dir.resolve("store1.log")));
        String storeAddress = bound.get(ReadyFile.ADDR);
        // A restart reuses the ports: the scheduler and the clients know the store by them.
        ChildSpec store = storeSpec(pd, storeAddress, bound.get(ReadyFile.PEER_ADDR), storeData, config, List.of());
        awaitServing(pd, storeAddress);
        Path ballast = disk.resolve("ballast");
        Path placeholder = storeData.resolve(SpacePlaceholder.FILE_NAME);
        await("the store holds part of its reserve in a placeholder", () -> sizeOf(placeholder) == PLACEHOLDER_BYTES);
        LOG.info("serving: {} free of {} on the store's disk", free(), DISK_BYTES);

        try (TiSession session = Sessions.open(pd);
                RawKVClient tikv = session.createRawClient();
                RawKvClient ours = RawKvClient.create(ClientConfig.of(List.of(pd)))) {
            for (int i = 0; i < KEYS; i++) {
                tikv.put(bs("k" + i), bs("v" + i));
            }

            // Under the reserve, above half of it: almost full.
            fillUntilFree(ballast, RESERVE_BYTES - 4 * MIB);
            long almostFull = free();
            assertThat(almostFull)
                    .as("the disk is under the reserve")
                    .isLessThan(RESERVE_BYTES)
                    .isGreaterThan(RESERVE_BYTES / 2);
            RegionErrorException refused = awaitRefusal(ours, "almost full");
            LOG.info("almost full: {} bytes free; our client: {}", almostFull, refused.getMessage());
            assertThat(refused.error().getDiskFull().getStoreIdList()).hasSize(1);
            assertThat(refused.getMessage()).contains("disk_full", "disk almost full", "storage.reserve-space");

            // The client retries the refused put until its write deadline: a session with the short
            // one, so that the test does not wait out 20 s.
            Throwable tikvRefused;
            try (TiSession refusing = Sessions.openForRefusedWrites(pd);
                    RawKVClient refusingClient = refusing.createRawClient()) {
                tikvRefused = catchThrowable(() -> refusingClient.put(bs("new"), bs("refused")));
            }
            RegionException regionError = causeOfType(tikvRefused, RegionException.class);
            LOG.info("almost full: the TiKV client gave up with {}", regionError.getMessage());
            assertThat(regionError.getRegionErr().hasDiskFull()).isTrue();
            assertThat(regionError.getRegionErr().getDiskFull().getReason()).contains("disk almost full");
            assertThat(tikv.get(bs("k1")).map(v -> v.toStringUtf8()))
                    .as("reads go on")
                    .contains("v1");
            assertThat(tikv.scan(bs("k"), bs("l"), KEYS)).as("scans go on").hasSize(KEYS);
            tikv.delete(bs("k9"));
            assertThat(tikv.get(bs("k9")))
                    .as("deletions pass on an almost full disk")
                    .isEmpty();
            assertThat(ours.get(key("new")))
                    .as("nothing of a refused write was applied")
                    .isEmpty();

            // Under half the reserve: the store gives up its placeholder; every write is refused.
            fillUntilFree(ballast, RESERVE_BYTES / 2 - PLACEHOLDER_BYTES - 2 * MIB);
            long full = free();
            assertThat(full).as("the disk is under half the reserve").isLessThan(RESERVE_BYTES / 2);
            await("the store deletes its placeholder", () -> !Files.exists(placeholder));
            // The placeholder's room is back, but the disk stays under half the reserve.
            assertThat(free()).isLessThan(RESERVE_BYTES / 2);
            RegionErrorException fullRefusal = awaitRefusal(ours, "disk full");
            RegionErrorException deleteRefused =
                    catchThrowableOfType(RegionErrorException.class, () -> ours.delete(key("k8")));
            LOG.info(
                    "full: {} bytes free before the placeholder went, {} after; deletions: {}",
                    full,
                    free(),
                    deleteRefused.getMessage());
            assertThat(fullRefusal.getMessage()).contains("under half the reserve");
            assertThat(deleteRefused.error().hasDiskFull())
                    .as("even deletions wait")
                    .isTrue();
            assertThat(ours.get(key("k8")).map(v -> v.toStringUtf8())).contains("v8");

            // Space comes back: writes resume without a restart, and the placeholder is rewritten.
            Files.delete(ballast);
            assertThat(free()).isGreaterThan(RESERVE_BYTES + PLACEHOLDER_BYTES);
            await("writes are accepted again", () -> tryPut(ours, "new", "accepted"));
            assertThat(tikv.get(bs("new")).map(v -> v.toStringUtf8())).contains("accepted");
            tikv.put(bs("tikv-after"), bs("ok"));
            await("the placeholder is written again", () -> sizeOf(placeholder) == PLACEHOLDER_BYTES);
        }

        // A restart on a nearly full disk: the store starts, makes room from its placeholder, and serves reads.
        ChildProcess first = supervisor.children().stream()
                .filter(c -> c.name().equals("store1"))
                .findFirst()
                .orElseThrow();
        killedPids.add(first.pid());
        first.kill();
        assertThat(first.awaitExit(STOP)).as("store1 exits on SIGKILL").isTrue();
        fillUntilFree(ballast, 64 * 1024);
        long beforeRestart = free();
        assertThat(beforeRestart).as("nearly full before the restart").isLessThanOrEqualTo(64 * 1024);
        ChildProcess restarted = supervisor.start(store);
        // The scheduler still believes in the killed store for a while: ask the new process itself.
        awaitHealthy(restarted, storeAddress);
        awaitServing(pd, storeAddress);
        LOG.info("restarted with {} bytes free; {} free once serving", beforeRestart, free());
        assertThat(Files.exists(placeholder)).as("deleted at start-up for room").isFalse();
        try (TiSession session = Sessions.open(pd);
                RawKVClient tikv = session.createRawClient();
                RawKvClient ours = RawKvClient.create(ClientConfig.of(List.of(pd)))) {
            assertThat(tikv.get(bs("k0")).map(v -> v.toStringUtf8())).contains("v0");
            assertThat(tikv.get(bs("new")).map(v -> v.toStringUtf8())).contains("accepted");
            RegionErrorException refused = catchThrowableOfType(
                    RegionErrorException.class, () -> ours.put(key("after-restart"), key("refused")));
            assertThat(refused.error().hasDiskFull()).isTrue();

            Files.delete(ballast);
            await(
                    "writes are accepted after the restart once space is back",
                    () -> tryPut(ours, "after-restart", "accepted"));
        }
        assertThat(unexpectedExits).isEmpty();
    }

    // ---- the store ----

    private static JavaCommand childJava() {
        List<String> options =
                new ArrayList<>(JavaCommand.ofCurrentJvm(List.of()).jvmOptions());
        options.addAll(LocalCluster.CHILD_JVM_OPTIONS);
        return new JavaCommand(
                JavaCommand.ofCurrentJvm(List.of()).javaBinary(), LocalCluster.serverClassPath(), options);
    }

    /** @param peerAddr the store-to-store port ({@code --peer-addr}), allocated as the client port is */
    private ChildSpec storeSpec(String pd, String addr, String peerAddr, Path data, Path config, List<String> extra) {
        List<String> args = new ArrayList<>(List.of(
                "server",
                "--pd",
                pd,
                "--addr",
                addr,
                "--peer-addr",
                peerAddr,
                "--status-addr",
                "",
                "--data-dir",
                data.toString(),
                "--config",
                config.toString(),
                "--reserve-space",
                RESERVE_BYTES / MIB + "MiB"));
        args.addAll(extra);
        return new ChildSpec("store1", addr, args, dir.resolve("store1.log"));
    }

    private void awaitServing(String pd, String storeAddress) throws InterruptedException {
        try {
            ClusterReadiness.overNetwork()
                    .await(pd, Set.of(storeAddress), 1, STARTUP, () -> List.copyOf(unexpectedExits));
        } catch (ClusterReadiness.NotServingException e) {
            throw new AssertionError(e.getMessage() + "\n" + tail(dir.resolve("store1.log")), e);
        }
    }

    /** Waits until the process's gRPC health service says SERVING; fails early if it exits. */
    private void awaitHealthy(ChildProcess child, String address) throws InterruptedException {
        int colon = address.lastIndexOf(':');
        ManagedChannel channel = NettyChannelBuilder.forAddress(
                        address.substring(0, colon), Integer.parseInt(address.substring(colon + 1)))
                .usePlaintext()
                .build();
        try {
            // A restart is a JVM start: on a loaded machine that takes as long as any start-up.
            await(child.name() + " serves", STARTUP, () -> {
                if (!child.isAlive()) {
                    throw new AssertionError(child.name() + " exited with " + child.exitCode() + " before serving\n"
                            + tail(child.spec().logFile()));
                }
                try {
                    return HealthGrpc.newBlockingStub(channel)
                                    .withDeadlineAfter(POLL_MILLIS * 10, TimeUnit.MILLISECONDS)
                                    .check(HealthCheckRequest.getDefaultInstance())
                                    .getStatus()
                            == HealthCheckResponse.ServingStatus.SERVING;
                } catch (StatusRuntimeException notYet) {
                    return false;
                }
            });
        } finally {
            channel.shutdownNow();
        }
    }

    private static boolean tryPut(RawKvClient client, String name, String value) {
        try {
            client.put(key(name), key(value));
            return true;
        } catch (RegionErrorException e) {
            if (!e.error().hasDiskFull()) {
                throw e;
            }
            return false;
        } catch (TinyKvException e) {
            // A put past its deadline on a loaded machine (the store just restarted, or is flushing):
            // not yet accepted, asked again by the caller's wait.
            if (!UntilDone.isTransient(e)) {
                throw e;
            }
            return false;
        }
    }

    /** Puts until the store refuses with disk_full: it notices the disk at its next sample. */
    private RegionErrorException awaitRefusal(RawKvClient client, String reason) throws InterruptedException {
        AtomicReference<RegionErrorException> refusal = new AtomicReference<>();
        await("disk_full (" + reason + ")", () -> {
            try {
                client.put(key("probe"), key("x"));
                return false;
            } catch (RegionErrorException e) {
                if (!e.error().hasDiskFull()) {
                    throw e;
                }
                refusal.set(e);
                return e.error().getDiskFull().getReason().contains(reason);
            } catch (TinyKvException e) {
                // Neither accepted nor refused (past its deadline on a loaded machine): asked again.
                if (!UntilDone.isTransient(e)) {
                    throw e;
                }
                return false;
            }
        });
        return refusal.get();
    }

    /**
     * Polls {@code condition} until it holds or {@link #CONDITION} passes. The store's disk monitor
     * samples on its own clock in another process, so there is nothing to block on but the answer.
     */
    private void await(String what, BooleanSupplier condition) {
        await(what, CONDITION, condition);
    }

    private void await(String what, Duration timeout, BooleanSupplier condition) {
        Await.until(condition, timeout, () -> what + "; " + free() + " bytes free\n" + tail(dir.resolve("store1.log")));
    }

    // ---- the disk ----

    private long free() {
        try {
            return Files.getFileStore(disk).getUsableSpace();
        } catch (IOException e) {
            throw new AssertionError("cannot read the free space of " + disk, e);
        }
    }

    private static long sizeOf(Path file) {
        try {
            return Files.exists(file) ? Files.size(file) : 0;
        } catch (IOException e) {
            return 0;
        }
    }

    /** Appends to the ballast until at most {@code freeBytes} are free (the store may write meanwhile). */
    private void fillUntilFree(Path ballast, long freeBytes) throws IOException {
        ByteBuffer ones = ByteBuffer.allocate(CHUNK_BYTES);
        while (ones.hasRemaining()) {
            ones.put((byte) 1);
        }
        try (FileChannel out = FileChannel.open(
                ballast, StandardOpenOption.CREATE, StandardOpenOption.WRITE, StandardOpenOption.APPEND)) {
            for (long excess = free() - freeBytes; excess > 0; excess = free() - freeBytes) {
                ones.clear().limit((int) Math.min(CHUNK_BYTES, excess));
                while (ones.hasRemaining()) {
                    out.write(ones);
                }
            }
        }
    }

    // ---- helpers ----

    private static org.tikv.shade.com.google.protobuf.ByteString bs(String text) {
        return org.tikv.shade.com.google.protobuf.ByteString.copyFromUtf8(text);
    }

    /** Our client speaks the unshaded protobuf; the TiKV client its shaded copy ({@link #bs}). */
    private static com.google.protobuf.ByteString key(String text) {
        return com.google.protobuf.ByteString.copyFromUtf8(text);
    }

    private static <T extends Throwable> T causeOfType(Throwable thrown, Class<T> type) {
        for (Throwable t = thrown; t != null; t = t.getCause()) {
            if (type.isInstance(t)) {
                return type.cast(t);
            }
        }
        throw new AssertionError("expected a " + type.getSimpleName() + " in the causes of " + thrown, thrown);
    }

    private record Result(int exitCode, String output) {}

    private static Result run(String... command) throws IOException, InterruptedException {
        Process p = new ProcessBuilder(command).redirectErrorStream(true).start();
        String output;
        try (InputStream in = p.getInputStream()) {
            output = new String(in.readAllBytes(), StandardCharsets.UTF_8);
        }
        if (!p.waitFor(STOP.toSeconds(), TimeUnit.SECONDS)) {
            p.destroyForcibly();
            throw new AssertionError(String.join(" ", command) + " did not finish within " + STOP);
        }
        return new Result(p.exitValue(), output);
    }

    private static String tail(Path log) {
        try {
            List<String> lines = Files.readAllLines(log);
            return String.join("\n", lines.subList(Math.max(0, lines.size() - 60), lines.size()));
        } catch (IOException e) {
            return "(no log: " + e + ")";
        }
    }
}
