package io.tinykv.server;

import static org.assertj.core.api.Assertions.assertThat;

import com.google.protobuf.ByteString;
import io.grpc.ManagedChannel;
import io.grpc.Server;
import io.grpc.inprocess.InProcessChannelBuilder;
import io.grpc.inprocess.InProcessServerBuilder;
import io.tinykv.proto.Kvrpcpb;
import io.tinykv.proto.TikvGrpc;
import io.tinykv.server.config.Config;
import io.tinykv.storage.Cf;
import io.tinykv.storage.RawValue;
import io.tinykv.storage.StorageReader;
import io.tinykv.txn.TxnCommands;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.util.Arrays;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * RawKV with {@code storage.enable-ttl} on, through real gRPC calls against a store whose clock the
 * test moves: what is stored, when a key disappears for each read, RawGetKeyTTL, batch ttls, CAS,
 * and the bad input.
 */
class RawTtlServiceTest {

    /** 2023-11-14T22:13:20Z, a whole second. */
    private static final long START_MILLIS = 1_700_000_000_000L;

    private static final long START_SECONDS = START_MILLIS / 1_000;

    private final AtomicLong clockMillis = new AtomicLong(START_MILLIS);
    private MemoryStorage storage;
    private Server server;
    private ManagedChannel channel;
    private TikvGrpc.TikvBlockingStub tikv;

    @BeforeEach
    void start() throws Exception {
        storage = new MemoryStorage();
        Config.Limits limits = Config.defaults().limits();
        RequestValidator validator = new RequestValidator(limits);
        String name = InProcessServerBuilder.generateName();
        server = InProcessServerBuilder.forName(name)
                .addService(new TikvService(
                        storage,
                        validator,
                        new TxnHandler(new TxnCommands(storage), validator),
                        new RawValues(true, clockMillis::get)))
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

    private void advanceSeconds(long seconds) {
        clockMillis.addAndGet(seconds * 1_000);
    }

    private void put(String key, String value, long ttl) {
        assertThat(tikv.rawPut(Kvrpcpb.RawPutRequest.newBuilder()
                                .setKey(b(key))
                                .setValue(b(value))
                                .setTtl(ttl)
                                .build())
                        .getError())
                .isEmpty();
    }

    private Kvrpcpb.RawGetResponse get(String key) {
        return tikv.rawGet(Kvrpcpb.RawGetRequest.newBuilder().setKey(b(key)).build());
    }

    private Kvrpcpb.RawGetKeyTTLResponse ttl(String key) {
        return tikv.rawGetKeyTTL(
                Kvrpcpb.RawGetKeyTTLRequest.newBuilder().setKey(b(key)).build());
    }

    private List<String> scanKeys(String start, String end, int limit, boolean reverse, boolean keyOnly) {
        return tikv
                .rawScan(Kvrpcpb.RawScanRequest.newBuilder()
                        .setStartKey(b(start))
                        .setEndKey(b(end))
                        .setLimit(limit)
                        .setReverse(reverse)
                        .setKeyOnly(keyOnly)
                        .build())
                .getKvsList()
                .stream()
                .map(kv -> kv.getKey().toStringUtf8())
                .toList();
    }

    private byte[] stored(Cf cf, String key) {
        try (StorageReader r = storage.reader(Kvrpcpb.Context.getDefaultInstance())) {
            return r.get(cf, key.getBytes(StandardCharsets.UTF_8));
        }
    }

    @Test
    void storesTheValueThenTheExpiryInSecondsBigEndian() {
        put("k", "v", 10);
        put("forever", "v", 0);
        byte[] stored = stored(Cf.DEFAULT, "k");
        assertThat(Arrays.copyOf(stored, 1)).containsExactly('v');
        assertThat(ByteBuffer.wrap(stored, 1, 8).getLong()).isEqualTo(START_SECONDS + 10);
        assertThat(stored(Cf.DEFAULT, "forever")).containsExactly('v', 0, 0, 0, 0, 0, 0, 0, 0);
    }

    @Test
    void aKeyIsReadableUntilItsExpirySecondThenGoneForGetAndBatchGet() {
        put("k", "v", 2);
        put("forever", "f", 0);
        assertThat(get("k").getValue()).isEqualTo(b("v"));
        advanceSeconds(1);
        assertThat(get("k").getValue()).isEqualTo(b("v"));
        advanceSeconds(1);
        assertThat(get("k").getNotFound()).isTrue();
        assertThat(get("k").getValue()).isEmpty();
        assertThat(tikv.rawBatchGet(Kvrpcpb.RawBatchGetRequest.newBuilder()
                                .addKeys(b("k"))
                                .addKeys(b("forever"))
                                .build())
                        .getPairsList())
                .extracting(Kvrpcpb.KvPair::getKey, Kvrpcpb.KvPair::getValue)
                .containsExactly(org.assertj.core.groups.Tuple.tuple(b("forever"), b("f")));
        assertThat(stored(Cf.DEFAULT, "k"))
                .as("expired data stays on disk until overwritten")
                .isNotNull();
    }

    @Test
    void getKeyTtlCountsDownAndIsNotFoundForMissingAndExpiredKeys() {
        put("k", "v", 10);
        put("forever", "v", 0);
        assertThat(ttl("k").getTtl()).isEqualTo(10);
        advanceSeconds(3);
        assertThat(ttl("k").getTtl()).isEqualTo(7);
        assertThat(ttl("forever").getNotFound()).isFalse();
        assertThat(ttl("forever").getTtl()).as("no expiry: 0, as TiKV").isZero();
        assertThat(ttl("missing").getNotFound()).isTrue();
        advanceSeconds(7);
        assertThat(ttl("k").getNotFound()).isTrue();
        assertThat(ttl("k").getError()).isEmpty();
    }

    @Test
    void scansSkipExpiredKeysInEveryDirectionAndModeAndTheLimitCountsLiveKeysOnly() {
        put("a", "1", 0);
        put("b", "2", 1);
        put("c", "3", 5);
        put("d", "4", 1);
        put("e", "5", 0);
        assertThat(scanKeys("", "", 10, false, false)).containsExactly("a", "b", "c", "d", "e");
        advanceSeconds(1);
        assertThat(scanKeys("", "", 10, false, false)).containsExactly("a", "c", "e");
        assertThat(scanKeys("", "", 10, false, true)).containsExactly("a", "c", "e");
        assertThat(scanKeys("", "", 10, true, false)).containsExactly("e", "c", "a");
        assertThat(scanKeys("", "", 10, true, true)).containsExactly("e", "c", "a");
        assertThat(scanKeys("b", "", 2, false, false))
                .as("limit 2 from b: c and e")
                .containsExactly("c", "e");
        assertThat(scanKeys("e", "", 2, true, false))
                .as("reverse below e: c and a")
                .containsExactly("c", "a");
        List<Kvrpcpb.KvPair> values = tikv.rawScan(
                        Kvrpcpb.RawScanRequest.newBuilder().setLimit(10).build())
                .getKvsList();
        assertThat(values).extracting(Kvrpcpb.KvPair::getValue).containsExactly(b("1"), b("3"), b("5"));
        List<Kvrpcpb.KvPair> keysOnly = tikv.rawScan(Kvrpcpb.RawScanRequest.newBuilder()
                        .setLimit(10)
                        .setKeyOnly(true)
                        .build())
                .getKvsList();
        assertThat(keysOnly).extracting(Kvrpcpb.KvPair::getValue).containsOnly(ByteString.EMPTY);
    }

    @Test
    void batchPutTakesOneTtlPerPairOrOneForAll() {
        Kvrpcpb.RawBatchPutResponse perPair = tikv.rawBatchPut(Kvrpcpb.RawBatchPutRequest.newBuilder()
                .addPairs(pair("p1", "1"))
                .addPairs(pair("p2", "2"))
                .addPairs(pair("p3", "3"))
                .addTtls(1)
                .addTtls(0)
                .addTtls(3)
                .build());
        assertThat(perPair.getError()).isEmpty();
        // What the official client sends: the deprecated ttl and one ttls entry for all.
        Kvrpcpb.RawBatchPutResponse forAll = tikv.rawBatchPut(Kvrpcpb.RawBatchPutRequest.newBuilder()
                .addPairs(pair("q1", "1"))
                .addPairs(pair("q2", "2"))
                .setTtl(2)
                .addTtls(2)
                .build());
        assertThat(forAll.getError()).isEmpty();
        assertThat(ttl("p1").getTtl()).isEqualTo(1);
        assertThat(ttl("p2").getTtl()).isZero();
        assertThat(ttl("p3").getTtl()).isEqualTo(3);
        assertThat(ttl("q1").getTtl()).isEqualTo(2);
        assertThat(ttl("q2").getTtl()).isEqualTo(2);
        advanceSeconds(2);
        assertThat(scanKeys("", "", 10, false, false)).containsExactly("p2", "p3");
    }

    @Test
    void batchPutWithTheWrongNumberOfTtlsIsRefusedAndWritesNothing() {
        Kvrpcpb.RawBatchPutResponse resp = tikv.rawBatchPut(Kvrpcpb.RawBatchPutRequest.newBuilder()
                .addPairs(pair("x1", "1"))
                .addPairs(pair("x2", "2"))
                .addPairs(pair("x3", "3"))
                .addTtls(1)
                .addTtls(2)
                .build());
        assertThat(resp.getError())
                .startsWith("The length of ttls does not equal to the length of pairs")
                .contains("2 ttls for 3 pairs");
        assertThat(stored(Cf.DEFAULT, "x1")).isNull();
    }

    @Test
    void aTtlWhoseExpiryOverflowsIsRefused() {
        // The official client takes a Java long: -1 arrives as 2^64 - 1 seconds.
        Kvrpcpb.RawPutResponse resp = tikv.rawPut(Kvrpcpb.RawPutRequest.newBuilder()
                .setKey(b("k"))
                .setValue(b("v"))
                .setTtl(-1)
                .build());
        assertThat(resp.getError())
                .isEqualTo("ttl 18446744073709551615 s is too large: now (" + START_SECONDS
                        + " s since 1970) plus the ttl overflows the 64-bit expiry");
        assertThat(stored(Cf.DEFAULT, "k")).isNull();
        assertThat(tikv.rawCompareAndSwap(Kvrpcpb.RawCASRequest.newBuilder()
                                .setKey(b("k"))
                                .setValue(b("v"))
                                .setPreviousNotExist(true)
                                .setTtl(-1)
                                .build())
                        .getError())
                .contains("is too large");
        assertThat(stored(Cf.DEFAULT, "k")).isNull();

        long largest = -1L - START_SECONDS;
        put("far", "v", largest);
        assertThat(RawValue.decode(stored(Cf.DEFAULT, "far")).expireAtSeconds()).isEqualTo(-1L);
        assertThat(get("far").getValue()).isEqualTo(b("v"));
    }

    @Test
    void compareAndSwapWritesItsTtlAndComparesAgainstLiveValuesOnly() {
        Kvrpcpb.RawCASResponse first = cas("k", null, "v1", 2);
        assertThat(first.getSucceed()).isTrue();
        assertThat(ttl("k").getTtl()).isEqualTo(2);

        Kvrpcpb.RawCASResponse blocked = cas("k", null, "other", 0);
        assertThat(blocked.getSucceed()).isFalse();
        assertThat(blocked.getPreviousValue()).isEqualTo(b("v1"));

        advanceSeconds(2);
        Kvrpcpb.RawCASResponse overExpired = cas("k", "v1", "v2", 0);
        assertThat(overExpired.getSucceed())
                .as("the expired v1 is no previous value")
                .isFalse();
        assertThat(overExpired.getPreviousNotExist()).isTrue();
        Kvrpcpb.RawCASResponse ifAbsent = cas("k", null, "v3", 0);
        assertThat(ifAbsent.getSucceed()).as("an expired key is absent").isTrue();
        assertThat(get("k").getValue()).isEqualTo(b("v3"));
        assertThat(ttl("k").getTtl()).isZero();
    }

    @Test
    void anOverwriteReplacesTheExpiryAndADeleteRemovesTheKey() {
        put("k", "v1", 1);
        put("k", "v2", 0);
        advanceSeconds(5);
        assertThat(get("k").getValue()).isEqualTo(b("v2"));
        put("k", "v3", 1);
        assertThat(tikv.rawDelete(Kvrpcpb.RawDeleteRequest.newBuilder()
                                .setKey(b("k"))
                                .build())
                        .getError())
                .isEmpty();
        assertThat(stored(Cf.DEFAULT, "k")).isNull();
        assertThat(ttl("k").getNotFound()).isTrue();
    }

    @Test
    void aTtlPutIntoATransactionalColumnFamilyIsRefused() {
        assertThat(tikv.rawPut(Kvrpcpb.RawPutRequest.newBuilder()
                                .setCf("write")
                                .setKey(b("k"))
                                .setValue(b("w"))
                                .setTtl(1)
                                .build())
                        .getError())
                .contains("column family write");
        assertThat(tikv.rawGet(Kvrpcpb.RawGetRequest.newBuilder()
                                .setCf("write")
                                .setKey(b("k"))
                                .build())
                        .getNotFound())
                .isTrue();
    }

    @Test
    void transactionsAreUnaffected() {
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
        assertThat(tikv.kvCommit(Kvrpcpb.CommitRequest.newBuilder()
                                .addKeys(b("t1"))
                                .setStartVersion(10)
                                .setCommitVersion(15)
                                .build())
                        .hasError())
                .isFalse();
        advanceSeconds(1_000_000);
        assertThat(tikv.kvGet(Kvrpcpb.GetRequest.newBuilder()
                                .setKey(b("t1"))
                                .setVersion(20)
                                .build())
                        .getValue())
                .isEqualTo(b("v1"));
    }

    private static Kvrpcpb.KvPair pair(String key, String value) {
        return Kvrpcpb.KvPair.newBuilder().setKey(b(key)).setValue(b(value)).build();
    }

    private Kvrpcpb.RawCASResponse cas(String key, String previous, String value, long ttl) {
        Kvrpcpb.RawCASRequest.Builder req = Kvrpcpb.RawCASRequest.newBuilder()
                .setKey(b(key))
                .setValue(b(value))
                .setTtl(ttl);
        if (previous == null) {
            req.setPreviousNotExist(true);
        } else {
            req.setPreviousValue(b(previous));
        }
        return tikv.rawCompareAndSwap(req.build());
    }
}
