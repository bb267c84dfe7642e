package io.tinykv.server;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.google.protobuf.ByteString;
import io.grpc.ManagedChannel;
import io.grpc.Server;
import io.grpc.Status;
import io.grpc.StatusRuntimeException;
import io.grpc.inprocess.InProcessChannelBuilder;
import io.grpc.inprocess.InProcessServerBuilder;
import io.tinykv.proto.Kvrpcpb;
import io.tinykv.proto.TikvGrpc;
import io.tinykv.server.config.Config;
import io.tinykv.storage.Cf;
import io.tinykv.storage.KvIterator;
import io.tinykv.storage.Modify;
import io.tinykv.storage.Storage;
import io.tinykv.storage.StorageReader;
import io.tinykv.txn.TxnCommands;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * TinyKV's project-1 scenarios and every bad input of the API edge, through real gRPC calls;
 * run once per storage implementation by the subclasses.
 */
abstract class RawApiContract {

    private static final long MAX_KEY_BYTES = 16;
    private static final long MAX_ENTRY_BYTES = 1024;
    private static final long MAX_SCAN_LIMIT = 100;

    @TempDir
    Path dir;

    private Storage storage;
    private Server server;

    /** The storage under test, opened in an empty directory. */
    abstract Storage openStorage(Path dataDir);

    private ManagedChannel channel;
    private TikvGrpc.TikvBlockingStub tikv;

    @BeforeEach
    void start() throws Exception {
        storage = openStorage(dir);
        String name = InProcessServerBuilder.generateName();
        Config.Limits limits = new Config.Limits(MAX_KEY_BYTES, MAX_ENTRY_BYTES, MAX_SCAN_LIMIT, 1 << 20);
        server = InProcessServerBuilder.forName(name)
                .addService(new TikvService(
                        storage,
                        new RequestValidator(limits),
                        new TxnHandler(new TxnCommands(storage), new RequestValidator(limits))))
                .build()
                .start();
        channel = InProcessChannelBuilder.forName(name).build();
        tikv = TikvGrpc.newBlockingStub(channel);
    }

    @AfterEach
    void stop() throws Exception {
        channel.shutdownNow();
        server.shutdownNow().awaitTermination(5, TimeUnit.SECONDS);
        storage.close();
    }

    private static ByteString b(String s) {
        return ByteString.copyFromUtf8(s);
    }

    private void storeDirectly(Cf cf, String key, String value) {
        storage.write(Kvrpcpb.Context.getDefaultInstance(), List.of(new Modify.Put(cf, bytes(key), bytes(value))));
    }

    private String readDirectly(Cf cf, String key) {
        try (StorageReader r = storage.reader(Kvrpcpb.Context.getDefaultInstance())) {
            byte[] v = r.get(cf, bytes(key));
            return v == null ? null : new String(v, StandardCharsets.UTF_8);
        }
    }

    private static byte[] bytes(String s) {
        return s.getBytes(StandardCharsets.UTF_8);
    }

    private Kvrpcpb.RawGetResponse get(String cf, String key) {
        return tikv.rawGet(
                Kvrpcpb.RawGetRequest.newBuilder().setCf(cf).setKey(b(key)).build());
    }

    private Kvrpcpb.RawPutResponse put(String cf, String key, String value) {
        return tikv.rawPut(Kvrpcpb.RawPutRequest.newBuilder()
                .setCf(cf)
                .setKey(b(key))
                .setValue(b(value))
                .build());
    }

    private Kvrpcpb.RawDeleteResponse delete(String cf, String key) {
        return tikv.rawDelete(
                Kvrpcpb.RawDeleteRequest.newBuilder().setCf(cf).setKey(b(key)).build());
    }

    private List<String> scanKeys(Kvrpcpb.RawScanRequest.Builder req) {
        return tikv.rawScan(req.build()).getKvsList().stream()
                .map(p -> p.getKey().toStringUtf8())
                .toList();
    }

    // ---- TinyKV project 1 ----

    @Test
    void rawGet() {
        storeDirectly(Cf.DEFAULT, "99", "42");
        Kvrpcpb.RawGetResponse resp = get("default", "99");
        assertThat(resp.getError()).isEmpty();
        assertThat(resp.hasRegionError()).isFalse();
        assertThat(resp.getNotFound()).isFalse();
        assertThat(resp.getValue().toStringUtf8()).isEqualTo("42");
    }

    @Test
    void rawGetNotFound() {
        Kvrpcpb.RawGetResponse resp = get("default", "99");
        assertThat(resp.getError()).isEmpty();
        assertThat(resp.getNotFound()).isTrue();
    }

    @Test
    void rawPut() {
        assertThat(put("default", "99", "42").getError()).isEmpty();
        assertThat(readDirectly(Cf.DEFAULT, "99")).isEqualTo("42");
    }

    @Test
    void rawGetAfterRawPutKeepsColumnFamiliesApart() {
        put("default", "99", "42");
        storeDirectly(Cf.WRITE, "99", "43");
        assertThat(get("default", "99").getValue().toStringUtf8()).isEqualTo("42");
        assertThat(get("", "99").getValue().toStringUtf8())
                .as("empty cf means default")
                .isEqualTo("42");
        assertThat(get("write", "99").getValue().toStringUtf8()).isEqualTo("43");
        assertThat(get("lock", "99").getNotFound()).isTrue();
    }

    @Test
    void rawGetAfterRawDelete() {
        put("default", "99", "42");
        assertThat(delete("default", "99").getError()).isEmpty();
        assertThat(get("default", "99").getNotFound()).isTrue();
    }

    @Test
    void rawDelete() {
        storeDirectly(Cf.DEFAULT, "99", "42");
        delete("default", "99");
        assertThat(readDirectly(Cf.DEFAULT, "99")).isNull();
    }

    @Test
    void rawScanWithLimit() {
        for (int i = 1; i <= 5; i++) {
            storeDirectly(Cf.DEFAULT, String.valueOf(i), "v" + i);
        }
        Kvrpcpb.RawScanResponse resp = tikv.rawScan(Kvrpcpb.RawScanRequest.newBuilder()
                .setStartKey(b("1"))
                .setLimit(3)
                .setCf("default")
                .build());
        assertThat(resp.getKvsList()).extracting(p -> p.getKey().toStringUtf8()).containsExactly("1", "2", "3");
        assertThat(resp.getKvsList())
                .extracting(p -> p.getValue().toStringUtf8())
                .containsExactly("v1", "v2", "v3");
    }

    @Test
    void rawScanAfterRawPut() {
        storeDirectly(Cf.DEFAULT, "1", "a");
        storeDirectly(Cf.DEFAULT, "2", "b");
        put("default", "3", "c");
        put("default", "4", "d");
        storeDirectly(Cf.LOCK, "25", "other cf");
        assertThat(scanKeys(
                        Kvrpcpb.RawScanRequest.newBuilder().setStartKey(b("1")).setLimit(10)))
                .containsExactly("1", "2", "3", "4");
    }

    @Test
    void rawScanAfterRawDelete() {
        for (int i = 1; i <= 4; i++) {
            storeDirectly(Cf.DEFAULT, String.valueOf(i), "v" + i);
        }
        delete("default", "3");
        assertThat(scanKeys(
                        Kvrpcpb.RawScanRequest.newBuilder().setStartKey(b("1")).setLimit(10)))
                .containsExactly("1", "2", "4");
    }

    /** An iterator opened before a delete still sees the deleted key: readers are snapshots. */
    @Test
    void iterWithRawDelete() {
        storeDirectly(Cf.DEFAULT, "1", "a");
        storeDirectly(Cf.DEFAULT, "2", "b");
        try (StorageReader reader = storage.reader(Kvrpcpb.Context.getDefaultInstance());
                KvIterator it = reader.iterator(Cf.DEFAULT)) {
            it.seek(bytes("1"));
            delete("default", "2");
            it.next();
            assertThat(it.valid()).isTrue();
            assertThat(new String(it.key(), StandardCharsets.UTF_8)).isEqualTo("2");
        }
        assertThat(get("default", "2").getNotFound()).isTrue();
    }

    // ---- The rest of the raw API ----

    @Test
    void scanHonoursEndKeyKeyOnlyAndReverse() {
        for (String k : List.of("a", "b", "c", "d", "e")) {
            storeDirectly(Cf.DEFAULT, k, "v" + k);
        }
        assertThat(scanKeys(Kvrpcpb.RawScanRequest.newBuilder()
                        .setStartKey(b("b"))
                        .setEndKey(b("d"))
                        .setLimit(10)))
                .containsExactly("b", "c");
        Kvrpcpb.RawScanResponse keyOnly = tikv.rawScan(Kvrpcpb.RawScanRequest.newBuilder()
                .setLimit(10)
                .setKeyOnly(true)
                .build());
        assertThat(keyOnly.getKvsList())
                .hasSize(5)
                .allSatisfy(p -> assertThat(p.getValue().isEmpty()).isTrue());
        // Reverse: start_key is the exclusive upper bound, end_key the inclusive lower bound.
        assertThat(scanKeys(Kvrpcpb.RawScanRequest.newBuilder()
                        .setReverse(true)
                        .setStartKey(b("d"))
                        .setEndKey(b("b"))
                        .setLimit(10)))
                .containsExactly("c", "b");
        assertThat(scanKeys(Kvrpcpb.RawScanRequest.newBuilder().setReverse(true).setLimit(2)))
                .containsExactly("e", "d");
        assertThat(scanKeys(Kvrpcpb.RawScanRequest.newBuilder()
                        .setReverse(true)
                        .setStartKey(b("cc"))
                        .setLimit(10)))
                .containsExactly("c", "b", "a");
    }

    @Test
    void scanLimitZeroIsEmpty() {
        storeDirectly(Cf.DEFAULT, "a", "1");
        assertThat(tikv.rawScan(Kvrpcpb.RawScanRequest.newBuilder().setLimit(0).build())
                        .getKvsCount())
                .isZero();
    }

    @Test
    void batchPutGetDeleteAndDeleteRange() {
        Kvrpcpb.RawBatchPutResponse putResp = tikv.rawBatchPut(Kvrpcpb.RawBatchPutRequest.newBuilder()
                .addPairs(Kvrpcpb.KvPair.newBuilder().setKey(b("k1")).setValue(b("v1")))
                .addPairs(Kvrpcpb.KvPair.newBuilder().setKey(b("k2")).setValue(b("v2")))
                .addPairs(Kvrpcpb.KvPair.newBuilder().setKey(b("k3")).setValue(b("v3")))
                .addPairs(Kvrpcpb.KvPair.newBuilder().setKey(b("k4")).setValue(b("v4")))
                .build());
        assertThat(putResp.getError()).isEmpty();
        Kvrpcpb.RawBatchGetResponse got = tikv.rawBatchGet(Kvrpcpb.RawBatchGetRequest.newBuilder()
                .addKeys(b("k3"))
                .addKeys(b("nope"))
                .addKeys(b("k1"))
                .build());
        assertThat(got.getPairsList())
                .extracting(p -> p.getKey().toStringUtf8() + "=" + p.getValue().toStringUtf8())
                .containsExactly("k3=v3", "k1=v1");

        assertThat(tikv.rawBatchDelete(Kvrpcpb.RawBatchDeleteRequest.newBuilder()
                                .addKeys(b("k1"))
                                .addKeys(b("absent"))
                                .build())
                        .getError())
                .isEmpty();
        assertThat(tikv.rawDeleteRange(Kvrpcpb.RawDeleteRangeRequest.newBuilder()
                                .setStartKey(b("k2"))
                                .setEndKey(b("k4"))
                                .build())
                        .getError())
                .isEmpty();
        assertThat(scanKeys(Kvrpcpb.RawScanRequest.newBuilder().setLimit(10))).containsExactly("k4");
        assertThat(tikv.rawDeleteRange(Kvrpcpb.RawDeleteRangeRequest.newBuilder()
                                .setStartKey(b("k"))
                                .build())
                        .getError())
                .as("empty end key deletes to the end")
                .isEmpty();
        assertThat(scanKeys(Kvrpcpb.RawScanRequest.newBuilder().setLimit(10))).isEmpty();
    }

    @Test
    void binaryKeysAndValuesRoundTrip() {
        byte[] all = new byte[256];
        for (int i = 0; i < all.length; i++) {
            all[i] = (byte) i;
        }
        ByteString key = ByteString.copyFrom(new byte[] {0, (byte) 0xff, 0, 1});
        tikv.rawPut(Kvrpcpb.RawPutRequest.newBuilder()
                .setKey(key)
                .setValue(ByteString.copyFrom(all))
                .build());
        assertThat(tikv.rawGet(Kvrpcpb.RawGetRequest.newBuilder().setKey(key).build())
                        .getValue()
                        .toByteArray())
                .isEqualTo(all);
    }

    // ---- Bad input: a clear error, and the store unharmed ----

    @Test
    void aRefusedBatchWritesNothing() {
        assertThat(tikv.rawBatchPut(Kvrpcpb.RawBatchPutRequest.newBuilder()
                                .addPairs(Kvrpcpb.KvPair.newBuilder()
                                        .setKey(b("ok"))
                                        .setValue(b("v")))
                                .addPairs(Kvrpcpb.KvPair.newBuilder()
                                        .setKey(b("k".repeat((int) MAX_KEY_BYTES + 1)))
                                        .setValue(b("v")))
                                .build())
                        .getError())
                .contains("limits.max-key-size");
        assertThat(readDirectly(Cf.DEFAULT, "ok"))
                .as("a refused batch writes nothing")
                .isNull();
    }

    // ---- The empty key: a RawKV key like any other (TiKV API V1) ----

    @Test
    void emptyKeyIsStoredReadAndDeletedLikeAnyOtherKey() {
        assertThat(get("default", "").getNotFound()).as("absent at first").isTrue();
        assertThat(put("default", "", "empty").getError()).isEmpty();
        assertThat(readDirectly(Cf.DEFAULT, "")).isEqualTo("empty");
        assertThat(get("default", "").getValue()).isEqualTo(b("empty"));
        assertThat(delete("default", "").getError()).isEmpty();
        assertThat(get("default", "").getNotFound()).isTrue();
    }

    @Test
    void emptyKeyComesFirstInAForwardScanAndLastInAReverseScan() {
        put("default", "a", "1");
        put("default", "", "0");
        put("default", "b", "2");
        assertThat(scanKeys(Kvrpcpb.RawScanRequest.newBuilder().setLimit(10))).containsExactly("", "a", "b");
        assertThat(scanKeys(Kvrpcpb.RawScanRequest.newBuilder().setLimit(10).setReverse(true)))
                .containsExactly("b", "a", "");
        assertThat(scanKeys(Kvrpcpb.RawScanRequest.newBuilder().setLimit(10).setEndKey(b("a"))))
                .as("[\"\", \"a\")")
                .containsExactly("");
    }

    @Test
    void emptyKeyInBatchOperations() {
        assertThat(tikv.rawBatchPut(Kvrpcpb.RawBatchPutRequest.newBuilder()
                                .addPairs(Kvrpcpb.KvPair.newBuilder()
                                        .setKey(b(""))
                                        .setValue(b("e")))
                                .addPairs(Kvrpcpb.KvPair.newBuilder()
                                        .setKey(b("x"))
                                        .setValue(b("v")))
                                .build())
                        .getError())
                .isEmpty();
        assertThat(tikv.rawBatchGet(Kvrpcpb.RawBatchGetRequest.newBuilder()
                                .addKeys(b("x"))
                                .addKeys(b(""))
                                .build())
                        .getPairsList())
                .extracting(p -> p.getKey().toStringUtf8() + "=" + p.getValue().toStringUtf8())
                .containsExactly("x=v", "=e");
        assertThat(tikv.rawBatchDelete(Kvrpcpb.RawBatchDeleteRequest.newBuilder()
                                .addKeys(b(""))
                                .build())
                        .getError())
                .isEmpty();
        assertThat(readDirectly(Cf.DEFAULT, "")).isNull();
        assertThat(readDirectly(Cf.DEFAULT, "x")).isEqualTo("v");
    }

    // ---- Delete range bounds ----

    @Test
    void deleteRangeWithBothBoundsEmptyDeletesTheWholeKeySpace() {
        put("default", "", "0");
        put("default", "a", "1");
        put("default", "\u00ff\u00ff", "2");
        assertThat(tikv.rawDeleteRange(
                                Kvrpcpb.RawDeleteRangeRequest.newBuilder().build())
                        .getError())
                .isEmpty();
        assertThat(scanKeys(Kvrpcpb.RawScanRequest.newBuilder().setLimit(10))).isEmpty();
    }

    @Test
    void deleteRangeWithEqualNonEmptyBoundsDeletesNothing() {
        put("default", "a", "1");
        assertThat(tikv.rawDeleteRange(Kvrpcpb.RawDeleteRangeRequest.newBuilder()
                                .setStartKey(b("a"))
                                .setEndKey(b("a"))
                                .build())
                        .getError())
                .isEmpty();
        assertThat(readDirectly(Cf.DEFAULT, "a")).isEqualTo("1");
        assertThat(tikv.rawDeleteRange(Kvrpcpb.RawDeleteRangeRequest.newBuilder()
                                .setStartKey(b("b"))
                                .setEndKey(b("a"))
                                .build())
                        .getError())
                .isEqualTo("start_key must not be after end_key in a delete range");
    }

    @Test
    void deleteRangeFromTheEmptyKeyIncludesIt() {
        put("default", "", "0");
        put("default", "b", "2");
        tikv.rawDeleteRange(
                Kvrpcpb.RawDeleteRangeRequest.newBuilder().setEndKey(b("b")).build());
        assertThat(scanKeys(Kvrpcpb.RawScanRequest.newBuilder().setLimit(10))).containsExactly("b");
    }

    // ---- RawCompareAndSwap ----

    private Kvrpcpb.RawCASResponse cas(String key, String expected, String value) {
        Kvrpcpb.RawCASRequest.Builder req =
                Kvrpcpb.RawCASRequest.newBuilder().setKey(b(key)).setValue(b(value));
        if (expected == null) {
            req.setPreviousNotExist(true);
        } else {
            req.setPreviousValue(b(expected));
        }
        return tikv.rawCompareAndSwap(req.build());
    }

    @Test
    void casWithPreviousNotExistWritesOnlyAnAbsentKey() {
        Kvrpcpb.RawCASResponse first = cas("c", null, "v1");
        assertThat(first.getError()).isEmpty();
        assertThat(first.getSucceed()).isTrue();
        assertThat(first.getPreviousNotExist()).isTrue();
        assertThat(readDirectly(Cf.DEFAULT, "c")).isEqualTo("v1");

        Kvrpcpb.RawCASResponse second = cas("c", null, "v2");
        assertThat(second.getSucceed()).isFalse();
        assertThat(second.getPreviousNotExist()).isFalse();
        assertThat(second.getPreviousValue())
                .as("the value it compared against")
                .isEqualTo(b("v1"));
        assertThat(readDirectly(Cf.DEFAULT, "c")).isEqualTo("v1");
    }

    @Test
    void casWithPreviousValueSwapsOnlyOnAMatch() {
        put("default", "c", "v1");
        Kvrpcpb.RawCASResponse mismatch = cas("c", "other", "v2");
        assertThat(mismatch.getSucceed()).isFalse();
        assertThat(mismatch.getPreviousValue()).isEqualTo(b("v1"));
        assertThat(readDirectly(Cf.DEFAULT, "c")).isEqualTo("v1");

        Kvrpcpb.RawCASResponse match = cas("c", "v1", "v2");
        assertThat(match.getSucceed()).isTrue();
        assertThat(match.getPreviousValue()).isEqualTo(b("v1"));
        assertThat(readDirectly(Cf.DEFAULT, "c")).isEqualTo("v2");
    }

    @Test
    void casExpectingAValueFailsOnAnAbsentKey() {
        Kvrpcpb.RawCASResponse resp = cas("absent", "v", "w");
        assertThat(resp.getSucceed()).isFalse();
        assertThat(resp.getPreviousNotExist()).isTrue();
        assertThat(readDirectly(Cf.DEFAULT, "absent")).isNull();
    }

    @Test
    void casExpectingAnEmptyValueMatchesAnEmptyValueNotAnAbsentKey() {
        assertThat(cas("e", "", "w").getSucceed())
                .as("absent is not the empty value")
                .isFalse();
        put("default", "e", "");
        assertThat(cas("e", "", "w").getSucceed()).isTrue();
        assertThat(readDirectly(Cf.DEFAULT, "e")).isEqualTo("w");
    }

    @Test
    void casOnTheEmptyKeyAndRefusedInTheTransactionalColumnFamilies() {
        assertThat(cas("", null, "v").getSucceed()).isTrue();
        assertThat(readDirectly(Cf.DEFAULT, "")).isEqualTo("v");
        Kvrpcpb.RawCASResponse inWrite = tikv.rawCompareAndSwap(Kvrpcpb.RawCASRequest.newBuilder()
                .setCf("write")
                .setKey(b("k"))
                .setValue(b("w"))
                .setPreviousNotExist(true)
                .build());
        assertThat(inWrite.getSucceed()).isFalse();
        assertThat(inWrite.getError()).contains("column family write");
        assertThat(readDirectly(Cf.WRITE, "k")).isNull();
    }

    /** Raw writes into lock or write would corrupt the transactions' state: every kind is refused. */
    @Test
    void rawWritesToTheTransactionalColumnFamiliesAreRefused() {
        for (String cf : List.of("lock", "write", "LOCK")) {
            assertThat(put(cf, "k", "v").getError()).as(cf).contains("are refused");
            assertThat(delete(cf, "k").getError()).as(cf).contains("are refused");
            assertThat(tikv.rawBatchPut(Kvrpcpb.RawBatchPutRequest.newBuilder()
                                    .setCf(cf)
                                    .addPairs(Kvrpcpb.KvPair.newBuilder()
                                            .setKey(b("k"))
                                            .setValue(b("v")))
                                    .build())
                            .getError())
                    .as(cf)
                    .contains("are refused");
            assertThat(tikv.rawBatchDelete(Kvrpcpb.RawBatchDeleteRequest.newBuilder()
                                    .setCf(cf)
                                    .addKeys(b("k"))
                                    .build())
                            .getError())
                    .as(cf)
                    .contains("are refused");
            assertThat(tikv.rawDeleteRange(Kvrpcpb.RawDeleteRangeRequest.newBuilder()
                                    .setCf(cf)
                                    .build())
                            .getError())
                    .as(cf)
                    .contains("are refused");
        }
        assertThat(readDirectly(Cf.LOCK, "k")).isNull();
        assertThat(readDirectly(Cf.WRITE, "k")).isNull();
    }

    @Test
    void casBadInputIsRefused() {
        assertThat(tikv.rawCompareAndSwap(Kvrpcpb.RawCASRequest.newBuilder()
                                .setKey(b("k"))
                                .setValue(b("v"))
                                .setPreviousNotExist(true)
                                .setTtl(5)
                                .build())
                        .getError())
                .isEqualTo("ttl is not enabled, but get put request with ttl");
        assertThat(tikv.rawCompareAndSwap(Kvrpcpb.RawCASRequest.newBuilder()
                                .setCf("nope")
                                .setKey(b("k"))
                                .setValue(b("v"))
                                .setPreviousNotExist(true)
                                .build())
                        .getError())
                .isNotEmpty();
        assertThat(readDirectly(Cf.DEFAULT, "k")).isNull();
    }

    /**
     * Every swap from n to n + 1 that succeeds writes a value no other swap wrote: with the compare
     * and the write not atomic, two threads would both swap from the same n.
     */
    @Test
    void concurrentSwapsLoseNoUpdate() throws Exception {
        int threads = 4;
        int swapsEach = 25;
        put("default", "n", "0");
        java.util.concurrent.ExecutorService pool = java.util.concurrent.Executors.newFixedThreadPool(threads);
        try {
            List<java.util.concurrent.Future<Integer>> attempts = new java.util.ArrayList<>();
            for (int t = 0; t < threads; t++) {
                attempts.add(pool.submit(() -> {
                    int tries = 0;
                    for (int done = 0; done < swapsEach; tries++) {
                        String current = get("default", "n").getValue().toStringUtf8();
                        String next = Integer.toString(Integer.parseInt(current) + 1);
                        if (cas("n", current, next).getSucceed()) {
                            done++;
                        }
                    }
                    return tries;
                }));
            }
            for (java.util.concurrent.Future<Integer> f : attempts) {
                assertThat(f.get(60, TimeUnit.SECONDS)).isGreaterThanOrEqualTo(swapsEach);
            }
        } finally {
            pool.shutdownNow();
        }
        assertThat(readDirectly(Cf.DEFAULT, "n")).isEqualTo(Integer.toString(threads * swapsEach));
    }

    @Test
    void writesFlaggedForCasAreAppliedLikeAnyOther() {
        tikv.rawPut(Kvrpcpb.RawPutRequest.newBuilder()
                .setKey(b("p"))
                .setValue(b("1"))
                .setForCas(true)
                .build());
        tikv.rawBatchPut(Kvrpcpb.RawBatchPutRequest.newBuilder()
                .setForCas(true)
                .addPairs(Kvrpcpb.KvPair.newBuilder().setKey(b("q")).setValue(b("2")))
                .addPairs(Kvrpcpb.KvPair.newBuilder().setKey(b("q")).setValue(b("3")))
                .build());
        assertThat(readDirectly(Cf.DEFAULT, "p")).isEqualTo("1");
        assertThat(readDirectly(Cf.DEFAULT, "q"))
                .as("the later pair of a batch wins")
                .isEqualTo("3");
        tikv.rawDelete(Kvrpcpb.RawDeleteRequest.newBuilder()
                .setKey(b("p"))
                .setForCas(true)
                .build());
        tikv.rawBatchDelete(Kvrpcpb.RawBatchDeleteRequest.newBuilder()
                .addKeys(b("q"))
                .setForCas(true)
                .build());
        assertThat(readDirectly(Cf.DEFAULT, "p")).isNull();
        assertThat(readDirectly(Cf.DEFAULT, "q")).isNull();
    }

    @Test
    void oversizedKeysAreRefused() {
        String big = "k".repeat((int) MAX_KEY_BYTES + 1);
        assertThat(put("default", big, "v").getError())
                .isEqualTo("key is 17 bytes, larger than limits.max-key-size (16 bytes)");
        assertThat(get("default", big).getError()).contains("limits.max-key-size");
        assertThat(delete("default", big).getError()).contains("limits.max-key-size");
        assertThat(put("default", "k".repeat((int) MAX_KEY_BYTES), "v").getError())
                .as("at the limit")
                .isEmpty();
    }

    @Test
    void oversizedWritesGetRaftEntryTooLarge() {
        Kvrpcpb.RawPutResponse resp = put("default", "k", "v".repeat((int) MAX_ENTRY_BYTES));
        assertThat(resp.getRegionError().hasRaftEntryTooLarge()).isTrue();
        assertThat(resp.getRegionError().getRaftEntryTooLarge().getEntrySize()).isGreaterThan(MAX_ENTRY_BYTES);
        assertThat(resp.getRegionError().getMessage()).contains("limits.raft-entry-max-size (1024 bytes)");
        Kvrpcpb.RawBatchPutRequest.Builder batch = Kvrpcpb.RawBatchPutRequest.newBuilder();
        for (int i = 0; i < 20; i++) {
            batch.addPairs(Kvrpcpb.KvPair.newBuilder().setKey(b("k" + i)).setValue(b("v".repeat(100))));
        }
        assertThat(tikv.rawBatchPut(batch.build()).getRegionError().hasRaftEntryTooLarge())
                .isTrue();
        assertThat(readDirectly(Cf.DEFAULT, "k")).isNull();
        assertThat(readDirectly(Cf.DEFAULT, "k0")).isNull();
    }

    @Test
    void unknownColumnFamiliesAreNamed() {
        assertThat(put("nosuch", "k", "v").getError())
                .isEqualTo("unknown column family 'nosuch' (expected one of default, lock, write)");
        assertThat(get("nosuch", "k").getError()).contains("'nosuch'");
        assertThatThrownBy(() -> tikv.rawBatchGet(Kvrpcpb.RawBatchGetRequest.newBuilder()
                        .setCf("nosuch")
                        .addKeys(b("k"))
                        .build()))
                .isInstanceOf(StatusRuntimeException.class)
                .satisfies(e -> assertThat(Status.fromThrowable(e).getCode()).isEqualTo(Status.Code.INVALID_ARGUMENT))
                .hasMessageContaining("unknown column family 'nosuch'");
        assertThatThrownBy(() -> tikv.rawScan(Kvrpcpb.RawScanRequest.newBuilder()
                        .setCf("nosuch")
                        .setLimit(1)
                        .build()))
                .hasMessageContaining("INVALID_ARGUMENT")
                .hasMessageContaining("'nosuch'");
    }

    @Test
    void scanLimitOverTheMaximumIsRefused() {
        assertThatThrownBy(() -> tikv.rawScan(
                        Kvrpcpb.RawScanRequest.newBuilder().setLimit(101).build()))
                .hasMessageContaining("INVALID_ARGUMENT")
                .hasMessageContaining("scan limit 101 is larger than limits.max-scan-limit (100)");
        assertThatThrownBy(() -> tikv.rawScan(
                        Kvrpcpb.RawScanRequest.newBuilder().setLimit(-1).build()))
                .as("uint32 on the wire: -1 is 4294967295")
                .hasMessageContaining("scan limit 4294967295");
    }

    @Test
    void deleteRangeWithStartAfterEndIsRefused() {
        storeDirectly(Cf.DEFAULT, "b", "1");
        assertThat(tikv.rawDeleteRange(Kvrpcpb.RawDeleteRangeRequest.newBuilder()
                                .setStartKey(b("c"))
                                .setEndKey(b("a"))
                                .build())
                        .getError())
                .isEqualTo("start_key must not be after end_key in a delete range");
        assertThat(readDirectly(Cf.DEFAULT, "b")).isEqualTo("1");
    }

    /** Without {@code storage.enable-ttl}, as TiKV: any non-zero ttl is refused with TiKV's text. */
    @Test
    void ttlIsRefusedWhileTtlIsOff() {
        String notEnabled = "ttl is not enabled, but get put request with ttl";
        assertThat(tikv.rawPut(Kvrpcpb.RawPutRequest.newBuilder()
                                .setKey(b("k"))
                                .setValue(b("v"))
                                .setTtl(5)
                                .build())
                        .getError())
                .isEqualTo(notEnabled);
        assertThat(tikv.rawBatchPut(Kvrpcpb.RawBatchPutRequest.newBuilder()
                                .addPairs(Kvrpcpb.KvPair.newBuilder()
                                        .setKey(b("k"))
                                        .setValue(b("v")))
                                .addTtls(5)
                                .build())
                        .getError())
                .isEqualTo(notEnabled);
        assertThat(tikv.rawBatchPut(Kvrpcpb.RawBatchPutRequest.newBuilder()
                                .addPairs(Kvrpcpb.KvPair.newBuilder()
                                        .setKey(b("k"))
                                        .setValue(b("v")))
                                .setTtl(5)
                                .build())
                        .getError())
                .as("the deprecated single ttl field")
                .isEqualTo(notEnabled);
        assertThat(readDirectly(Cf.DEFAULT, "k")).isNull();
        assertThat(tikv.rawGetKeyTTL(Kvrpcpb.RawGetKeyTTLRequest.newBuilder()
                                .setKey(b("k"))
                                .build())
                        .getError())
                .isEqualTo("ttl is not enabled");

        // A zero ttl is no ttl: accepted, and the value is stored as sent.
        assertThat(tikv.rawPut(Kvrpcpb.RawPutRequest.newBuilder()
                                .setKey(b("k"))
                                .setValue(b("v"))
                                .setTtl(0)
                                .build())
                        .getError())
                .isEmpty();
        assertThat(readDirectly(Cf.DEFAULT, "k")).isEqualTo("v");
    }

    @Test
    void transactionsCommitThroughTheSameService() {
        Kvrpcpb.PrewriteResponse prewrite = tikv.kvPrewrite(Kvrpcpb.PrewriteRequest.newBuilder()
                .addMutations(Kvrpcpb.Mutation.newBuilder()
                        .setOp(Kvrpcpb.Op.Put)
                        .setKey(b("t1"))
                        .setValue(b("v1")))
                .setPrimaryLock(b("t1"))
                .setStartVersion(10)
                .setLockTtl(3000)
                .build());
        assertThat(prewrite.getErrorsList()).isEmpty();
        Kvrpcpb.GetResponse locked = tikv.kvGet(
                Kvrpcpb.GetRequest.newBuilder().setKey(b("t1")).setVersion(20).build());
        assertThat(locked.getError().hasLocked())
                .as("a read after the lock waits for its transaction")
                .isTrue();
        Kvrpcpb.CommitResponse commit = tikv.kvCommit(Kvrpcpb.CommitRequest.newBuilder()
                .addKeys(b("t1"))
                .setStartVersion(10)
                .setCommitVersion(15)
                .build());
        assertThat(commit.hasError()).isFalse();
        assertThat(tikv.kvGet(Kvrpcpb.GetRequest.newBuilder()
                                .setKey(b("t1"))
                                .setVersion(20)
                                .build())
                        .getValue())
                .isEqualTo(b("v1"));
        assertThat(tikv.kvGet(Kvrpcpb.GetRequest.newBuilder()
                                .setKey(b("t1"))
                                .setVersion(12)
                                .build())
                        .getNotFound())
                .as("a snapshot older than the commit does not see it")
                .isTrue();
    }

    @Test
    void transactionalBadInputIsRefusedBeforeItTouchesStorage() {
        assertThatThrownBy(() -> tikv.kvPrewrite(Kvrpcpb.PrewriteRequest.newBuilder()
                        .addMutations(Kvrpcpb.Mutation.newBuilder()
                                .setOp(Kvrpcpb.Op.Put)
                                .setKey(b("ok"))
                                .setValue(b("v")))
                        .addMutations(Kvrpcpb.Mutation.newBuilder()
                                .setOp(Kvrpcpb.Op.Put)
                                .setKey(b(""))
                                .setValue(b("v")))
                        .setPrimaryLock(b("ok"))
                        .setStartVersion(10)
                        .build()))
                .satisfies(e -> assertThat(Status.fromThrowable(e).getCode()).isEqualTo(Status.Code.INVALID_ARGUMENT))
                .hasMessageContaining("key must not be empty");
        Kvrpcpb.GetResponse after = tikv.kvGet(
                Kvrpcpb.GetRequest.newBuilder().setKey(b("ok")).setVersion(20).build());
        assertThat(after.hasError()).as("the refused prewrite locked nothing").isFalse();
        assertThat(after.getNotFound()).isTrue();
    }
}
