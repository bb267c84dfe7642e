package io.tinykv.compat;

import static org.assertj.core.api.Assertions.assertThat;

import io.tinykv.client.ClientConfig;
import io.tinykv.client.pd.PdClient;
import io.tinykv.client.region.RegionInfo;
import io.tinykv.scheduler.ClientKeyMode;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.tikv.common.TiSession;
import org.tikv.kvproto.Kvrpcpb;
import org.tikv.raw.RawKVClient;
import org.tikv.shade.com.google.protobuf.ByteString;

/**
 * Region split over real processes: three stores started with a tiny {@code --region-max-size}, the
 * official TiKV Java client writing RawKV pairs until the scheduler knows at least
 * {@link #MIN_REGIONS} regions; then every key is read back, and a full scan across all the regions
 * returns every pair, in order, exactly once. A manual split (SplitRegion) at a key between two
 * pairs answers the two regions, and the client, routed by the region from before, still reads.
 */
@SuppressWarnings("try") // TiSession.close() declares Exception (the client's signature, not ours)
class RegionSplitCompatTest {
    private static final Logger LOG = LoggerFactory.getLogger(RegionSplitCompatTest.class);
    private static final int STORES = 3;
    private static final int MIN_REGIONS = 12;
    private static final Duration STARTUP = Duration.ofMinutes(5);
    /** Writing goes on until the regions are there, or this deadline passes. */
    private static final Duration SPLITS = Duration.ofSeconds(120);

    private static final long LOADED_SPLIT_DEADLINE_MS = 30_000;
    private static final int VALUE_BYTES = 1024;
    private static final int BATCH = 50;
    /** 2,000 pairs of about 1 KiB: some 60 pieces of 32 KiB, far more than needed. */
    private static final int MAX_KEYS = 2_000;

    @TempDir
    Path dir;

    private static ByteString key(int i) {
        return ByteString.copyFromUtf8(String.format("split/%06d", i));
    }

    private static ByteString value(int i) {
        String prefix = "v" + i + "-";
        return ByteString.copyFromUtf8(prefix + "x".repeat(VALUE_BYTES - prefix.length()));
    }

    private static int regionCount(String pdAddress) {
        try (PdClient pd = PdClient.connect(ClientConfig.of(List.of(pdAddress)))) {
            List<RegionInfo> regions =
                    pd.scanRegions(com.google.protobuf.ByteString.EMPTY, com.google.protobuf.ByteString.EMPTY, 0);
            return regions.size();
        }
    }

    @Test
    void rawWritesSplitTheKeySpaceAndEveryKeyStaysReadableAndScannable() throws Exception {
        Path config = Files.writeString(dir.resolve("split.toml"), """
                [coprocessor]
                # Leaders measure their regions twice a second instead of every 10 s.
                split-region-check-tick-interval = "500ms"
                """);
        try (LocalCluster cluster = LocalCluster.start(
                dir,
                STORES,
                ClientKeyMode.RAW,
                List.of("--region-max-size", "48KiB", "--region-split-size", "32KiB", "--config", config.toString()))) {
            cluster.awaitServing(STARTUP);
            try (TiSession session = Sessions.open(cluster.pdAddress());
                    RawKVClient client = session.createRawClient()) {
                Map<ByteString, ByteString> written = new LinkedHashMap<>();
                long deadline = System.nanoTime() + SPLITS.toNanos();
                int regions = 1;
                int next = 0;
                while (regions < MIN_REGIONS && next < MAX_KEYS && System.nanoTime() < deadline) {
                    Map<ByteString, ByteString> batch = new LinkedHashMap<>();
                    for (int i = 0; i < BATCH; i++, next++) {
                        batch.put(key(next), value(next));
                    }
                    client.batchPut(batch);
                    written.putAll(batch);
                    regions = regionCount(cluster.pdAddress());
                }
                LOG.info("{} pairs written, {} regions", written.size(), regions);
                assertThat(regions).as("regions after %d pairs", written.size()).isGreaterThanOrEqualTo(MIN_REGIONS);

                for (Map.Entry<ByteString, ByteString> e : written.entrySet()) {
                    Optional<ByteString> got = client.get(e.getKey());
                    assertThat(got).as("key %s", e.getKey().toStringUtf8()).contains(e.getValue());
                }
                List<Kvrpcpb.KvPair> scanned =
                        client.scan(ByteString.copyFromUtf8("split/"), ByteString.copyFromUtf8("split0"));
                assertThat(scanned).extracting(Kvrpcpb.KvPair::getKey).containsExactlyElementsOf(written.keySet());
                assertThat(scanned).extracting(Kvrpcpb.KvPair::getValue).containsExactlyElementsOf(written.values());

                // A manual split (SplitRegion, as tinykv ctl split sends it) between two written keys.
                com.google.protobuf.ByteString at = com.google.protobuf.ByteString.copyFromUtf8(
                        key(written.size() / 2).toStringUtf8() + "+");
                // A split is a Raft proposal applied on three stores: at load 20 it can outlast the client's
                // default 5 s per-call deadline, and a split past its deadline is not asked again (it may
                // have happened), so this call gets a deadline a loaded machine meets.
                try (io.tinykv.client.raw.RawKvClient ours =
                        io.tinykv.client.raw.RawKvClient.create(ClientConfig.of(List.of(cluster.pdAddress()))
                                .withTimeoutsMs(ClientConfig.DEFAULT_PD_TIMEOUT_MS, LOADED_SPLIT_DEADLINE_MS))) {
                    List<io.tinykv.proto.Metapb.Region> split = ours.splitRegion(at);
                    assertThat(split).hasSize(2);
                    assertThat(split.get(1).getStartKey()).isEqualTo(at);
                    assertThat(split.get(0).getEndKey()).isEqualTo(at);
                }
                // The TiKV client, holding the region from before, is told epoch_not_match and follows.
                for (int i : new int[] {written.size() / 2, written.size() / 2 + 1}) {
                    assertThat(client.get(key(i)))
                            .as("key %d after the manual split", i)
                            .contains(value(i));
                }
                assertThat(client.scan(ByteString.copyFromUtf8("split/"), ByteString.copyFromUtf8("split0")))
                        .extracting(Kvrpcpb.KvPair::getKey)
                        .containsExactlyElementsOf(written.keySet());
            }
        }
    }
}
