package io.tinykv.server.standalone;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.google.protobuf.ByteString;
import io.tinykv.client.ClientConfig;
import io.tinykv.client.pd.PdClient;
import io.tinykv.client.raw.RawKvClient;
import io.tinykv.client.region.RegionInfo;
import io.tinykv.client.txn.Transaction;
import io.tinykv.client.txn.TxnKvClient;
import io.tinykv.proto.Kvrpcpb;
import io.tinykv.scheduler.HostAndPort;
import io.tinykv.scheduler.Tso;
import io.tinykv.server.DataDirLock;
import io.tinykv.server.DataFormatCheck;
import io.tinykv.server.config.Config;
import io.tinykv.server.store.StoreServerConfig;
import io.tinykv.storage.Cf;
import io.tinykv.storage.DataFormat;
import io.tinykv.storage.Engines;
import io.tinykv.storage.Modify;
import io.tinykv.storage.StandaloneStorage;
import java.io.IOException;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.nio.ByteBuffer;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The standalone as its command runs it: a scheduler and one store in one process, found by
 * clients through the scheduler's address alone; its data dir kept across restarts, owned by one
 * process, and an older standalone's data dir moved into the new layout with its data.
 */
class StandaloneTest {

    private static final HostAndPort ANY_LOOPBACK_PORT = new HostAndPort("127.0.0.1", 0);
    private static final long ONE_HOUR_MILLIS = 3_600_000;

    @TempDir
    Path dir;

    private static ByteString bytes(String s) {
        return ByteString.copyFromUtf8(s);
    }

    private static StandaloneConfig config(Path dataDir) {
        StoreServerConfig defaults = StoreServerConfig.defaults();
        Config.Server server = new Config.Server(ANY_LOOPBACK_PORT, "", "127.0.0.1:0", dataDir, 1_000);
        return new StandaloneConfig(defaults.withServer(server), ANY_LOOPBACK_PORT);
    }

    private static ClientConfig client(Standalone standalone) {
        return ClientConfig.of(List.of(standalone.schedulerAddress().toString()));
    }

    @Test
    void servesRawKvAndTransactionsThroughTheSchedulerAddressAndKeepsItsDataAcrossRestart() throws Exception {
        Path data = dir.resolve("data");
        long storeId;
        long clusterId;
        try (Standalone standalone = Standalone.start(config(data))) {
            storeId = standalone.store().storeId();
            clusterId = standalone.scheduler().clusterId();
            assertThat(standalone.store().clusterId()).isEqualTo(clusterId);
            try (RawKvClient raw = RawKvClient.create(client(standalone))) {
                raw.put(bytes("raw-k"), bytes("raw-v"));
                assertThat(raw.get(bytes("raw-k"))).contains(bytes("raw-v"));
            }
            try (TxnKvClient txn = TxnKvClient.create(client(standalone))) {
                Transaction write = txn.begin();
                write.put(bytes("txn-a"), bytes("1"));
                write.put(bytes("txn-b"), bytes("2"));
                write.commit();
                Transaction read = txn.begin();
                assertThat(read.get(bytes("txn-a"))).contains(bytes("1"));
                assertThat(read.get(bytes("txn-b"))).contains(bytes("2"));
                read.rollback();
            }
            try (PdClient pd = PdClient.connect(client(standalone))) {
                assertThat(pd.getAllStores(true))
                        .singleElement()
                        .satisfies(s -> assertThat(s.getAddress())
                                .isEqualTo(standalone.store().address()));
                RegionInfo region = pd.getRegion(bytes("raw-k")).orElseThrow();
                assertThat(region.region().getPeersList())
                        .singleElement()
                        .satisfies(p -> assertThat(p.getStoreId()).isEqualTo(storeId));
            }
            assertThat(data.resolve(StandaloneLayout.SCHEDULER_DIR)).isDirectory();
            assertThat(data.resolve(StandaloneLayout.STORE_DIR).resolve(Engines.KV_DIR_NAME))
                    .isDirectory();
        }
        try (Standalone again = Standalone.start(config(data));
                RawKvClient raw = RawKvClient.create(client(again));
                TxnKvClient txn = TxnKvClient.create(client(again))) {
            assertThat(again.store().storeId()).isEqualTo(storeId);
            assertThat(again.scheduler().clusterId()).isEqualTo(clusterId);
            assertThat(raw.get(bytes("raw-k"))).contains(bytes("raw-v"));
            Transaction read = txn.begin();
            assertThat(read.get(bytes("txn-b"))).contains(bytes("2"));
            read.rollback();
        }
    }

    @Test
    void aSecondStandaloneOnTheSameDataDirIsRefusedBeforeItTouchesAnything() {
        Path data = dir.resolve("data");
        try (Standalone owner = Standalone.start(config(data))) {
            assertThatThrownBy(() -> Standalone.start(config(data)))
                    .isInstanceOf(DataDirLock.DataDirLockedException.class)
                    .hasMessageContaining("is in use by another tinykv process");
            assertThat(owner.store().storeId()).isPositive();
        }
    }

    @Test
    void aFailedStartStopsTheSchedulerAndReleasesTheDataDir() throws Exception {
        Path data = dir.resolve("data");
        try (ServerSocket taken = new ServerSocket()) {
            taken.bind(new InetSocketAddress(InetAddress.getLoopbackAddress(), 0));
            StandaloneConfig storePortTaken =
                    new StandaloneConfig(config(data).settings(), new HostAndPort("127.0.0.1", taken.getLocalPort()));
            assertThatThrownBy(() -> Standalone.start(storePortTaken)).hasMessageContaining(":" + taken.getLocalPort());
        }
        try (Standalone standalone = Standalone.start(config(data));
                RawKvClient raw = RawKvClient.create(client(standalone))) {
            raw.put(bytes("k"), bytes("v"));
            assertThat(raw.get(bytes("k"))).contains(bytes("v"));
        }
    }

    /** An older standalone's data dir: engines at the top, the embedded PD's numbers in pd/. */
    private static void writeOldStandaloneDir(Path data, long clusterId, long tsoLimitMillis) throws IOException {
        try (StandaloneStorage old =
                StandaloneStorage.open(data, Config.defaults().storage().toEngineConfig())) {
            DataFormatCheck.verifyOrRecord(old.engines().kv(), DataFormat.WITHOUT_TTL, false, data.toString());
            old.write(
                    Kvrpcpb.Context.getDefaultInstance(),
                    List.of(new Modify.Put(Cf.DEFAULT, "old-k".getBytes(), "old-v".getBytes())));
        }
        Path pd = data.resolve(LegacyStandaloneDir.PD_DIR);
        Files.createDirectories(pd);
        Files.write(pd.resolve(LegacyStandaloneDir.CLUSTER_ID_FILE), numberFile(clusterId));
        Files.write(pd.resolve(LegacyStandaloneDir.TSO_FILE), numberFile(tsoLimitMillis));
        Files.write(pd.resolve("alloc_id"), numberFile(2_000));
    }

    private static byte[] numberFile(long value) {
        return ByteBuffer.allocate(Long.BYTES + Integer.BYTES)
                .putLong(value)
                .putInt(LegacyStandaloneDir.crc(value))
                .array();
    }

    @Test
    void anOlderStandalonesDataDirIsMovedWithItsDataClusterIdAndTimestamps() throws Exception {
        Path data = dir.resolve("old");
        long oldClusterId = 7_000_000_123L;
        long oldTsoLimitMillis = System.currentTimeMillis() + ONE_HOUR_MILLIS;
        writeOldStandaloneDir(data, oldClusterId, oldTsoLimitMillis);

        try (Standalone standalone = Standalone.start(config(data));
                RawKvClient raw = RawKvClient.create(client(standalone));
                PdClient pd = PdClient.connect(client(standalone))) {
            assertThat(raw.get(bytes("old-k"))).contains(bytes("old-v"));
            assertThat(standalone.scheduler().clusterId()).isEqualTo(oldClusterId);
            assertThat(pd.getTimestamp() >>> Tso.LOGICAL_BITS)
                    .as("above every timestamp the old PD handed out")
                    .isGreaterThanOrEqualTo(oldTsoLimitMillis);
            raw.put(bytes("new-k"), bytes("new-v"));
        }
        assertThat(data.resolve(LegacyStandaloneDir.PD_DIR)).doesNotExist();
        assertThat(data.resolve(Engines.KV_DIR_NAME)).doesNotExist();
        try (Standalone again = Standalone.start(config(data));
                RawKvClient raw = RawKvClient.create(client(again))) {
            assertThat(raw.get(bytes("old-k"))).contains(bytes("old-v"));
            assertThat(raw.get(bytes("new-k"))).contains(bytes("new-v"));
        }
    }

    @Test
    void anOlderStandalonesDataDirWithTheOtherTtlSettingIsRefused() throws Exception {
        Path data = dir.resolve("old");
        writeOldStandaloneDir(data, 1, System.currentTimeMillis());
        StandaloneConfig base = config(data);
        StandaloneConfig withTtl = new StandaloneConfig(
                new StoreServerConfig(
                        base.settings()
                                .base()
                                .withStorage(base.settings().base().storage().withEnableTtl(true)),
                        base.settings().store()),
                base.storeAddr());
        assertThatThrownBy(() -> Standalone.start(withTtl))
                .isInstanceOf(DataFormatCheck.MismatchException.class)
                .hasMessageContaining("without --enable-ttl");
        assertThat(data.resolve(LegacyStandaloneDir.PD_DIR))
                .as("still to be moved")
                .isDirectory();
    }

    @Test
    void enginesAtTheTopWithoutAnOldPdAreNotTakenForAStandalonesData() {
        Path data = dir.resolve("not-a-standalone");
        Engines.open(data, Config.defaults().storage().toEngineConfig()).close();
        assertThatThrownBy(() -> Standalone.start(config(data)))
                .isInstanceOf(IllegalStateException.class)
                .hasMessageContaining("is not a tinykv standalone's data dir");
        assertThat(data.resolve(StandaloneLayout.STORE_DIR)).doesNotExist();
        assertThat(data.resolve(Engines.KV_DIR_NAME)).isDirectory();
    }

    @Test
    void theStoreMustNotShareTheSchedulersPort() {
        StandaloneConfig base = config(dir.resolve("d"));
        HostAndPort same = new HostAndPort("127.0.0.1", 20160);
        StandaloneConfig clash = new StandaloneConfig(
                base.settings().withServer(new Config.Server(same, "", "", dir.resolve("d"), 1_000)), same);
        assertThatThrownBy(clash::validate)
                .hasMessageContaining("--store-addr (127.0.0.1:20160) must differ from --addr");
        assertThat(StandaloneConfig.defaultStoreAddr(same)).isEqualTo(new HostAndPort("127.0.0.1", 20161));
        assertThat(StandaloneConfig.defaultStoreAddr(ANY_LOOPBACK_PORT)).isEqualTo(ANY_LOOPBACK_PORT);
    }
}
