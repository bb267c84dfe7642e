package io.tinykv.compat;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.grpc.ManagedChannel;
import io.grpc.netty.shaded.io.grpc.netty.NettyChannelBuilder;
import io.tinykv.proto.TikvGrpc;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.tikv.common.TiSession;
import org.tikv.common.meta.TiTimestamp;
import org.tikv.kvproto.Kvrpcpb;
import org.tikv.raw.RawKVClient;
import org.tikv.shade.com.google.protobuf.ByteString;

/** The official TiKV Java client, unchanged, against one real {@code tinykv standalone} process. */
@SuppressWarnings("try") // TiSession.close() declares Exception (the client's signature, not ours)
class RawKvCompatTest {

    private static final Duration STARTUP = Duration.ofMinutes(5);
    /** A direct call to the store, on a loaded machine. */
    private static final Duration STORE_CALL_DEADLINE = Duration.ofSeconds(30);

    @TempDir
    static Path dir;

    private static TinykvProcess tinykv;
    private static TiSession session;
    private static RawKVClient client;

    @BeforeAll
    static void startTinykv() {
        tinykv = TinykvProcess.start(dir.resolve("data"), dir.resolve("tinykv.log"))
                .awaitServing(STARTUP);
        session = Sessions.open(tinykv.address());
        client = session.createRawClient();
    }

    @AfterAll
    static void stopTinykv() throws Exception {
        try {
            if (client != null) {
                client.close();
            }
            if (session != null) {
                session.close();
            }
        } finally {
            if (tinykv != null) {
                tinykv.close();
            }
        }
    }

    private static ByteString s(String text) {
        return ByteString.copyFromUtf8(text);
    }

    private static List<String> keys(List<Kvrpcpb.KvPair> pairs) {
        return pairs.stream().map(p -> p.getKey().toStringUtf8()).toList();
    }

    /**
     * The store speaks API V1; a client in API V2 is refused ("api version not match", as TiKV
     * answers a client of another version) instead of having its keyspace-prefixed keys stored as
     * V1 keys.
     */
    @Test
    void aClientInApiV2IsRefusedAndStoresNothing() throws Exception {
        try (TiSession v2 = Sessions.openInApiV2(tinykv.address());
                RawKVClient v2Client = v2.createRawClient()) {
            assertThatThrownBy(() -> v2Client.put(s("v2/k"), s("v")))
                    .hasStackTraceContaining("api version not match: the request is API V2");
        }
        // Where an API V2 client's put of "v2/k" would land: 'r', keyspace 0 (3 bytes), the key.
        ByteString v2Encoded = ByteString.copyFrom(new byte[] {'r', 0, 0, 0}).concat(s("v2/k"));
        assertThat(client.get(v2Encoded)).isEmpty();
    }

    @Test
    void putGetDelete() {
        client.put(s("pgd/k"), s("v1"));
        assertThat(client.get(s("pgd/k"))).contains(s("v1"));
        client.put(s("pgd/k"), s("v2"));
        assertThat(client.get(s("pgd/k"))).contains(s("v2"));
        client.delete(s("pgd/k"));
        assertThat(client.get(s("pgd/k"))).isEmpty();
        assertThat(client.get(s("pgd/never"))).isEmpty();
    }

    @Test
    void batchPutBatchGetBatchDelete() {
        Map<ByteString, ByteString> pairs = new LinkedHashMap<>();
        for (int i = 0; i < 50; i++) {
            pairs.put(s(String.format("batch/%03d", i)), s("value-" + i));
        }
        client.batchPut(pairs);
        // The client sorts the key list in place, so it must be mutable.
        List<Kvrpcpb.KvPair> got =
                client.batchGet(new ArrayList<>(List.of(s("batch/007"), s("batch/missing"), s("batch/042"))));
        assertThat(got)
                .extracting(p -> p.getKey().toStringUtf8() + "=" + p.getValue().toStringUtf8())
                .containsExactlyInAnyOrder("batch/007=value-7", "batch/042=value-42");
        client.batchDelete(new ArrayList<>(List.of(s("batch/007"), s("batch/042"))));
        assertThat(client.get(s("batch/007"))).isEmpty();
        assertThat(client.get(s("batch/008"))).contains(s("value-8"));
    }

    @Test
    void scanRangesAndLimits() {
        for (String k : List.of("scan/a", "scan/b", "scan/c", "scan/d", "scan/e")) {
            client.put(s(k), s("v:" + k));
        }
        client.put(s("scanz"), s("outside"));
        assertThat(keys(client.scan(s("scan/"), s("scan/~"))))
                .containsExactly("scan/a", "scan/b", "scan/c", "scan/d", "scan/e");
        assertThat(keys(client.scan(s("scan/b"), s("scan/d")))).containsExactly("scan/b", "scan/c");
        assertThat(keys(client.scan(s("scan/"), 2))).containsExactly("scan/a", "scan/b");
        List<Kvrpcpb.KvPair> keyOnly = client.scan(s("scan/"), s("scan/~"), true);
        assertThat(keyOnly)
                .hasSize(5)
                .allSatisfy(p -> assertThat(p.getValue().isEmpty()).isTrue());
        assertThat(client.scan(s("scan/c"), s("scan/d")).get(0).getValue()).isEqualTo(s("v:scan/c"));
    }

    @Test
    void deleteRange() {
        for (String k : List.of("dr/1", "dr/2", "dr/3", "dr/4")) {
            client.put(s(k), s(k));
        }
        client.deleteRange(s("dr/2"), s("dr/4"));
        assertThat(keys(client.scan(s("dr/"), s("dr/~")))).containsExactly("dr/1", "dr/4");
    }

    @Test
    void binaryKeysAndEveryByteValue() {
        byte[] everyByte = new byte[256];
        for (int i = 0; i < everyByte.length; i++) {
            everyByte[i] = (byte) i;
        }
        List<ByteString> written = new ArrayList<>();
        for (int i = 0; i < 256; i++) {
            ByteString key = s("bin/").concat(ByteString.copyFrom(new byte[] {(byte) i, 0, (byte) 0xff}));
            byte[] value = Arrays.copyOf(everyByte, everyByte.length);
            value[0] = (byte) i; // a different value per key, still every byte value in it
            client.put(key, ByteString.copyFrom(value));
            written.add(key);
        }
        for (int i = 0; i < 256; i++) {
            byte[] value = client.get(written.get(i)).orElseThrow().toByteArray();
            assertThat(value).hasSize(256);
            assertThat(value[0]).isEqualTo((byte) i);
            assertThat(Arrays.copyOfRange(value, 1, 256)).isEqualTo(Arrays.copyOfRange(everyByte, 1, 256));
        }
        // Keys come back in unsigned byte order: 0x00 first, 0xff last.
        List<Kvrpcpb.KvPair> scanned = client.scan(s("bin/"), s("bin0"));
        assertThat(scanned).extracting(Kvrpcpb.KvPair::getKey).containsExactlyElementsOf(written);
    }

    @Test
    void largeValueOfOneMebibyte() {
        byte[] big = new byte[1024 * 1024];
        for (int i = 0; i < big.length; i++) {
            big[i] = (byte) (i * 31 + 7);
        }
        client.put(s("large/1"), ByteString.copyFrom(big));
        Optional<ByteString> back = client.get(s("large/1"));
        assertThat(back).isPresent();
        assertThat(back.get().toByteArray()).isEqualTo(big);
    }

    @Test
    void timestampsFromTheEmbeddedPdIncrease() {
        long last = 0;
        for (int i = 0; i < 20; i++) {
            TiTimestamp ts = session.getTimestamp();
            assertThat(ts.getVersion()).isGreaterThan(last);
            last = ts.getVersion();
        }
    }

    @Test
    void badInputGivesTheClientAnErrorAndTheStoreKeepsServing() throws Exception {
        client.put(s("bad/kept"), s("still here"));
        try (TiSession strict = Sessions.openForRefusedWrites(tinykv.address());
                RawKVClient strictClient = strict.createRawClient()) {
            ByteString hugeKey = ByteString.copyFrom(new byte[9 * 1024]);
            assertThatThrownBy(() -> strictClient.put(hugeKey, s("v")))
                    .satisfies(e -> assertThat(causeMessages(e)).contains("limits.max-key-size"));
        }
        assertThat(tinykv.isAlive()).isTrue();
        assertThat(client.get(s("bad/kept"))).contains(s("still here"));
    }

    /**
     * This store was created without {@code --enable-ttl}: a ttl is refused with TiKV's text, as TiKV does.
     *
     * <p>The TiKV client retries the refusal until its write deadline, as it does against TiKV. Its put
     * then reports the store's text. Its batchPut does too, unless the deadline catches its worker
     * thread mid-retry: the caller, building its report, iterates a list the interrupted worker is
     * still adding to (the slow log's spans, which {@code SlowLogImpl.log} reads unsynchronized), and
     * throws the client's own ConcurrentModificationException instead (flake hunt, cbcaade, loaded
     * machine). So the batchPut is asked only to fail and write nothing, and the store's answer to the
     * same batch is read directly.
     */
    @Test
    void aStoreCreatedWithoutTtlRefusesATtlAndWritesNothing() throws Exception {
        try (TiSession strict = Sessions.openForRefusedWrites(tinykv.address());
                RawKVClient strictClient = strict.createRawClient()) {
            assertThatThrownBy(() -> strictClient.put(s("ttl/refused"), s("v"), 5))
                    .satisfies(e ->
                            assertThat(causeMessages(e)).contains("ttl is not enabled, but get put request with ttl"));
            assertThatThrownBy(() -> strictClient.batchPut(Map.of(s("ttl/refused"), s("v")), 5));
        }
        assertThat(rawBatchPutWithTtl("ttl/refused", 5).getError())
                .contains("ttl is not enabled, but get put request with ttl");
        assertThat(client.get(s("ttl/refused"))).isEmpty();
        client.put(s("ttl/zero"), s("v"), 0);
        assertThat(client.get(s("ttl/zero"))).contains(s("v"));
    }

    /** A bare RawBatchPut of one key with a ttl, straight to the store (not through the TiKV client). */
    private static io.tinykv.proto.Kvrpcpb.RawBatchPutResponse rawBatchPutWithTtl(String key, long ttlSeconds)
            throws InterruptedException {
        ManagedChannel channel = NettyChannelBuilder.forTarget(tinykv.storeAddress())
                .usePlaintext()
                .build();
        try {
            return TikvGrpc.newBlockingStub(channel)
                    .withDeadlineAfter(STORE_CALL_DEADLINE.toMillis(), TimeUnit.MILLISECONDS)
                    .rawBatchPut(io.tinykv.proto.Kvrpcpb.RawBatchPutRequest.newBuilder()
                            .setContext(LockProbe.leaderContext(session, key.getBytes(StandardCharsets.UTF_8)))
                            .addPairs(io.tinykv.proto.Kvrpcpb.KvPair.newBuilder()
                                    .setKey(com.google.protobuf.ByteString.copyFromUtf8(key))
                                    .setValue(com.google.protobuf.ByteString.copyFromUtf8("v")))
                            .addTtls(ttlSeconds)
                            .build());
        } finally {
            channel.shutdownNow().awaitTermination(STORE_CALL_DEADLINE.toMillis(), TimeUnit.MILLISECONDS);
        }
    }

    private static String causeMessages(Throwable e) {
        StringBuilder all = new StringBuilder();
        for (Throwable t = e; t != null; t = t.getCause()) {
            all.append(t).append('\n');
        }
        return all.toString();
    }
}
