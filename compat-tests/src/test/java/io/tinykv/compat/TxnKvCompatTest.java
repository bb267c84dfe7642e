package io.tinykv.compat;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.SequencedMap;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.tikv.common.TiSession;
import org.tikv.common.exception.KeyException;
import org.tikv.common.meta.TiTimestamp;
import org.tikv.common.region.TiRegion;
import org.tikv.common.region.TiStore;
import org.tikv.common.util.ConcreteBackOffer;
import org.tikv.common.util.Pair;
import org.tikv.kvproto.Pdpb;
import org.tikv.shade.com.google.protobuf.ByteString;
import org.tikv.txn.KVClient;
import org.tikv.txn.TxnKVClient;
import org.tikv.txn.exception.WriteConflictException;
import org.tikv.txn.type.ClientRPCResult;

/**
 * Percolator transactions through the official TiKV Java client, unchanged, against one real
 * {@code tinykv standalone} process: the client's {@code TwoPhaseCommitter} writes, its
 * {@code KVClient} and {@code Snapshot} read, and its lock resolver cleans up after transactions
 * that were abandoned half way.
 */
@SuppressWarnings("try") // TiSession.close() declares Exception (the client's signature, not ours)
class TxnKvCompatTest {

    private static final Duration STARTUP = Duration.ofMinutes(5);
    /** Lock TTL of transactions that are meant to finish: far longer than any test. */
    private static final long LONG_LOCK_TTL_MILLIS = 3_600_000;
    /** Lock TTL of transactions a test abandons: short, so a reader may roll them back soon. */
    private static final long SHORT_LOCK_TTL_MILLIS = 1_000;
    /** Waiting for the TSO to pass a lock's deadline takes about the TTL; this bounds it generously. */
    private static final Duration LOCK_EXPIRY_DEADLINE = Duration.ofSeconds(30);
    /**
     * Retry budget of a step that is expected to fail: the client retries errors it deems
     * retryable (key errors among them) until this budget is spent, so it bounds the test time.
     */
    private static final int FAILING_STEP_BACKOFF_MILLIS = 2_000;
    /** Over the server's default {@code limits.max-key-size} (8 KiB). */
    private static final int OVERSIZED_KEY_BYTES = 9 * 1024;
    /** The client's lock resolver clears a whole region for transactions at least this large. */
    private static final long CLIENT_BIG_TXN_THRESHOLD = 16;

    @TempDir
    static Path dir;

    private static TinykvProcess tinykv;
    private static TiSession session;
    private static KVClient kv;
    private static LockProbe probe;

    @BeforeAll
    static void startTinykv() {
        tinykv = TinykvProcess.start(dir.resolve("data"), dir.resolve("tinykv.log"))
                .awaitServing(STARTUP);
        session = Sessions.openTransactional(tinykv.address());
        kv = session.createKVClient();
        probe = new LockProbe(session, tinykv.storeAddress());
    }

    @AfterAll
    static void stopTinykv() throws Exception {
        try {
            if (tinykv != null) {
                // TxnHandler logs ERROR for a failure it did not expect (a bug, answered INTERNAL);
                // none of the above, bad input included, may cause one.
                assertThat(tinykv.log()
                                .lines()
                                .filter(line -> line.contains(" ERROR "))
                                .toList())
                        .as("errors in the tinykv log")
                        .isEmpty();
            }
        } finally {
            closeAll();
        }
    }

    private static void closeAll() throws Exception {
        try {
            if (probe != null) {
                probe.close();
            }
            if (kv != null) {
                kv.close();
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

    // ---- helpers ----

    private static byte[] b(String text) {
        return text.getBytes(StandardCharsets.UTF_8);
    }

    private static ByteString s(String text) {
        return ByteString.copyFromUtf8(text);
    }

    /** Key-value pairs in order, the first being the primary. */
    private static SequencedMap<byte[], byte[]> writes(String... keysAndValues) {
        SequencedMap<byte[], byte[]> map = new LinkedHashMap<>();
        for (int i = 0; i < keysAndValues.length; i += 2) {
            map.put(b(keysAndValues[i]), b(keysAndValues[i + 1]));
        }
        return map;
    }

    private static long commit(String... keysAndValues) throws Exception {
        try (TwoPhaseWrites txn = TwoPhaseWrites.begin(
                session, writes(keysAndValues), LONG_LOCK_TTL_MILLIS, TwoPhaseWrites.DEFAULT_BACKOFF_MILLIS)) {
            return txn.commit();
        }
    }

    /** The value at {@code version} through {@code KVClient.get}; "" when there is none. */
    private static String get(String key, long version) {
        return kv.get(s(key), version).toStringUtf8();
    }

    /** The value through a {@code Snapshot}; "" when there is none. */
    private static String snapshotGet(TiTimestamp ts, String key) {
        return new String(session.createSnapshot(ts).get(b(key)), StandardCharsets.UTF_8);
    }

    private static List<String> scan(String start, String end, long version) {
        return kv.scan(s(start), s(end), version).stream()
                .map(p -> p.getKey().toStringUtf8() + "=" + p.getValue().toStringUtf8())
                .toList();
    }

    private static List<String> batchGet(long version, String... keys) {
        List<ByteString> list = new ArrayList<>();
        for (String k : keys) {
            list.add(s(k));
        }
        return kv
                .batchGet(
                        ConcreteBackOffer.newCustomBackOff(
                                TwoPhaseWrites.DEFAULT_BACKOFF_MILLIS,
                                session.getPDClient().getClusterId()),
                        list,
                        version)
                .stream()
                .map(p -> p.getKey().toStringUtf8() + "=" + p.getValue().toStringUtf8())
                .toList();
    }

    private static long now() {
        return session.getTimestamp().getVersion();
    }

    /**
     * Waits until the TSO's physical part is past {@code lockTs}'s physical part plus the TTL: from
     * then on a CheckTxnStatus with a fresh current ts (what the client's lock resolver sends)
     * finds the lock expired, since the server compares the physical parts of the two timestamps.
     */
    private static void awaitLockExpiry(long lockTs, long ttlMillis) {
        long deadlineMillis = TiTimestamp.extractPhysical(lockTs) + ttlMillis;
        Instant giveUp = Instant.now().plus(LOCK_EXPIRY_DEADLINE);
        while (session.getTimestamp().getPhysical() <= deadlineMillis) {
            if (Instant.now().isAfter(giveUp)) {
                throw new AssertionError("the TSO did not pass " + deadlineMillis + " within " + LOCK_EXPIRY_DEADLINE);
            }
        }
    }

    /** Every message in the cause chain, with the server's KeyError where the client kept one aside. */
    private static String causeMessages(Throwable e) {
        StringBuilder all = new StringBuilder();
        for (Throwable t = e; t != null; t = t.getCause()) {
            all.append(t).append('\n');
            if (t instanceof KeyException k && k.getKeyErr() != null) {
                all.append(k.getKeyErr()).append('\n');
            }
        }
        return all.toString();
    }

    // ---- tests ----

    @Test
    void everyKeyIsRoutedToTheOneRegionWithEncodedPdKeys() {
        // In transactional mode the client sends memcomparable-encoded keys to PD and decodes the
        // boundaries it gets back; the one region over all keys must survive that round trip.
        long regionId =
                session.getRegionManager().getRegionByKey(ByteString.EMPTY).getId();
        for (ByteString key : List.of(
                ByteString.EMPTY, s("a"), s("txn/route"), ByteString.copyFrom(new byte[] {(byte) 0xff, (byte) 0xff, 0, 1
                }))) {
            TiRegion region = session.getRegionManager().getRegionByKey(key);
            assertThat(region.getId()).isEqualTo(regionId);
            assertThat(region.getStartKey()).isEqualTo(ByteString.EMPTY);
            assertThat(region.getEndKey()).isEqualTo(ByteString.EMPTY);
        }
        List<Pdpb.Region> scanned = session.getRegionManager()
                .scanRegions(
                        ConcreteBackOffer.newCustomBackOff(
                                TwoPhaseWrites.DEFAULT_BACKOFF_MILLIS,
                                session.getPDClient().getClusterId()),
                        s("m"),
                        s("n"),
                        10);
        assertThat(scanned).extracting(r -> r.getRegion().getId()).containsExactly(regionId);
    }

    @Test
    void multiKeyCommitIsSeenWholeByLaterReaders() throws Exception {
        long before = now();
        long commitTs = commit("multi/p", "primary", "multi/s1", "one", "multi/s2", "two", "multi/s3", "three");
        assertThat(commitTs).isGreaterThan(before);
        long after = now();
        assertThat(after).isGreaterThan(commitTs);

        assertThat(get("multi/p", after)).isEqualTo("primary");
        assertThat(get("multi/s2", after)).isEqualTo("two");
        assertThat(batchGet(after, "multi/s3", "multi/p", "multi/missing", "multi/s1"))
                .containsExactlyInAnyOrder("multi/p=primary", "multi/s1=one", "multi/s3=three");
        assertThat(scan("multi/", "multi/~", after))
                .containsExactly("multi/p=primary", "multi/s1=one", "multi/s2=two", "multi/s3=three");
        TiTimestamp snapshotTs = session.getTimestamp();
        assertThat(snapshotGet(snapshotTs, "multi/s1")).isEqualTo("one");
        assertThat(snapshotGet(snapshotTs, "multi/s3")).isEqualTo("three");
        // Nothing of it before the transaction started.
        assertThat(scan("multi/", "multi/~", before)).isEmpty();
        // No lock is left behind on any key.
        for (String key : List.of("multi/p", "multi/s1", "multi/s2", "multi/s3")) {
            assertThat(probe.lockSeenAt(b(key), now())).as(key).isEmpty();
        }
    }

    @Test
    void snapshotReadsSeeTheVersionOfTheirTimestamp() throws Exception {
        TiTimestamp beforeAll = session.getTimestamp();
        commit("snap/a", "a1", "snap/b", "b1");
        TiTimestamp afterFirst = session.getTimestamp();
        commit("snap/a", "a2", "snap/c", "c2");
        TiTimestamp afterSecond = session.getTimestamp();
        // An empty value is the committer's delete.
        commit("snap/b", "");
        TiTimestamp afterDelete = session.getTimestamp();

        assertThat(snapshotGet(beforeAll, "snap/a")).isEmpty();
        assertThat(scan("snap/", "snap/~", beforeAll.getVersion())).isEmpty();

        assertThat(snapshotGet(afterFirst, "snap/a")).isEqualTo("a1");
        assertThat(snapshotGet(afterFirst, "snap/c")).isEmpty();
        assertThat(scan("snap/", "snap/~", afterFirst.getVersion())).containsExactly("snap/a=a1", "snap/b=b1");

        assertThat(snapshotGet(afterSecond, "snap/a")).isEqualTo("a2");
        assertThat(scan("snap/", "snap/~", afterSecond.getVersion()))
                .containsExactly("snap/a=a2", "snap/b=b1", "snap/c=c2");

        assertThat(snapshotGet(afterDelete, "snap/b")).isEmpty();
        assertThat(scan("snap/", "snap/~", afterDelete.getVersion())).containsExactly("snap/a=a2", "snap/c=c2");
        // Old snapshots are unaffected by later writes.
        assertThat(snapshotGet(afterFirst, "snap/b")).isEqualTo("b1");
        assertThat(batchGet(afterFirst.getVersion(), "snap/a", "snap/b", "snap/c"))
                .containsExactlyInAnyOrder("snap/a=a1", "snap/b=b1");
    }

    @Test
    void anAbandonedTransactionIsRolledBackByALaterReader() throws Exception {
        commit("abandon/p", "old-p", "abandon/s1", "old-s1", "abandon/s2", "old-s2");
        try (TwoPhaseWrites abandoned = TwoPhaseWrites.begin(
                session,
                writes("abandon/p", "new-p", "abandon/s1", "new-s1", "abandon/s2", "new-s2"),
                SHORT_LOCK_TTL_MILLIS,
                FAILING_STEP_BACKOFF_MILLIS)) {
            long olderReadTs = abandoned.startTs() - 1;
            abandoned.prewritePrimary();
            abandoned.prewriteSecondaries();
            for (String key : List.of("abandon/p", "abandon/s1", "abandon/s2")) {
                assertThat(probe.lockSeenAt(b(key), now())).as(key).hasValueSatisfying(lock -> {
                    assertThat(lock.getLockVersion()).isEqualTo(abandoned.startTs());
                    assertThat(lock.getPrimaryLock().toStringUtf8()).isEqualTo("abandon/p");
                    // The client always reports this size, so its resolver sends ResolveLock
                    // without keys: the server must find the transaction's locks in the region.
                    assertThat(lock.getTxnSize()).isGreaterThanOrEqualTo(CLIENT_BIG_TXN_THRESHOLD);
                });
            }
            // A reader older than the lock is not blocked by it and leaves it alone.
            assertThat(get("abandon/s1", olderReadTs)).isEqualTo("old-s1");
            assertThat(probe.lockSeenAt(b("abandon/s1"), now())).isPresent();

            awaitLockExpiry(abandoned.startTs(), SHORT_LOCK_TTL_MILLIS);
            long readTs = now();
            assertThat(get("abandon/s1", readTs)).isEqualTo("old-s1");
            assertThat(batchGet(readTs, "abandon/p", "abandon/s2"))
                    .containsExactlyInAnyOrder("abandon/p=old-p", "abandon/s2=old-s2");
            for (String key : List.of("abandon/p", "abandon/s1", "abandon/s2")) {
                assertThat(probe.lockSeenAt(b(key), now())).as(key).isEmpty();
            }
            // The transaction was rolled back: its owner can no longer commit it.
            assertThatThrownBy(abandoned::commitPrimary)
                    .satisfies(e -> assertThat(causeMessages(e)).contains("lock not found"));
            assertThat(scan("abandon/", "abandon/~", now()))
                    .containsExactly("abandon/p=old-p", "abandon/s1=old-s1", "abandon/s2=old-s2");
        }
    }

    @Test
    void aCommittedPrimaryMakesALaterReaderCommitTheSecondaries() throws Exception {
        commit("half/p", "old-p", "half/s1", "old-s1", "half/s2", "old-s2");
        long commitTs;
        try (TwoPhaseWrites txn = TwoPhaseWrites.begin(
                session,
                writes("half/p", "new-p", "half/s1", "new-s1", "half/s2", "new-s2"),
                LONG_LOCK_TTL_MILLIS,
                TwoPhaseWrites.DEFAULT_BACKOFF_MILLIS)) {
            txn.prewritePrimary();
            txn.prewriteSecondaries();
            commitTs = txn.commitPrimary();
            // The committer "crashes" here: the secondaries keep their locks.
        }
        assertThat(probe.lockSeenAt(b("half/p"), now())).isEmpty();
        assertThat(probe.lockSeenAt(b("half/s1"), now())).isPresent();
        assertThat(probe.lockSeenAt(b("half/s2"), now())).isPresent();

        // No waiting for the (hour-long) TTL: the primary's commit record decides.
        long readTs = now();
        assertThat(get("half/s1", readTs)).isEqualTo("new-s1");
        assertThat(batchGet(readTs, "half/p", "half/s2")).containsExactlyInAnyOrder("half/p=new-p", "half/s2=new-s2");
        assertThat(probe.lockSeenAt(b("half/s1"), now())).isEmpty();
        assertThat(probe.lockSeenAt(b("half/s2"), now())).isEmpty();
        // The secondaries were committed at the primary's commit ts, not at some later one.
        assertThat(get("half/s2", commitTs)).isEqualTo("new-s2");
        assertThat(get("half/s2", commitTs - 1)).isEqualTo("old-s2");
    }

    @Test
    void aHeartBeatKeepsATransactionAlivePastItsFirstTtl() throws Exception {
        TxnKVClient txnClient = session.createTxnClient();
        try (TwoPhaseWrites slow = TwoPhaseWrites.begin(
                        session,
                        writes("beat/k", "slow"),
                        SHORT_LOCK_TTL_MILLIS,
                        TwoPhaseWrites.DEFAULT_BACKOFF_MILLIS);
                TwoPhaseWrites intruder = TwoPhaseWrites.begin(
                        session, writes("beat/k", "intruder"), LONG_LOCK_TTL_MILLIS, FAILING_STEP_BACKOFF_MILLIS)) {
            slow.prewritePrimary();
            // What the client's TTLManager sends periodically, sent once by hand.
            Pair<TiRegion, TiStore> route = session.getRegionManager().getRegionStorePairByKey(s("beat/k"));
            ClientRPCResult beat = txnClient.txnHeartBeat(
                    ConcreteBackOffer.newCustomBackOff(
                            TwoPhaseWrites.DEFAULT_BACKOFF_MILLIS,
                            session.getPDClient().getClusterId()),
                    s("beat/k"),
                    slow.startTs(),
                    LONG_LOCK_TTL_MILLIS,
                    route.first,
                    route.second);
            assertThat(beat.isSuccess())
                    .as("heartbeat: %s", beat.getException())
                    .isTrue();
            assertThat(probe.lockSeenAt(b("beat/k"), now()))
                    .hasValueSatisfying(lock -> assertThat(lock.getLockTtl()).isEqualTo(LONG_LOCK_TTL_MILLIS));

            awaitLockExpiry(slow.startTs(), SHORT_LOCK_TTL_MILLIS);
            // Past the first TTL, a younger writer still finds the transaction alive and gives up.
            assertThatThrownBy(intruder::prewritePrimary)
                    .satisfies(e -> assertThat(causeMessages(e)).contains("locked"));
            long commitTs = slow.commitPrimary();
            assertThat(get("beat/k", commitTs)).isEqualTo("slow");
        }
    }

    @Test
    void aWriteAfterOurStartIsAWriteConflict() throws Exception {
        commit("conflict/k", "v0");
        try (TwoPhaseWrites late = TwoPhaseWrites.begin(
                session, writes("conflict/k", "late"), LONG_LOCK_TTL_MILLIS, FAILING_STEP_BACKOFF_MILLIS)) {
            long winnerCommitTs = commit("conflict/k", "winner");
            assertThat(winnerCommitTs).isGreaterThan(late.startTs());
            assertThatThrownBy(late::prewritePrimary)
                    .satisfies(e -> assertThat(causeMessages(e)).contains("conflict"));
        }
        assertThat(get("conflict/k", now())).isEqualTo("winner");
        assertThat(probe.lockSeenAt(b("conflict/k"), now())).isEmpty();
    }

    @Test
    void aLockOfALiveTransactionStopsASecondPrewrite() throws Exception {
        try (TwoPhaseWrites older = TwoPhaseWrites.begin(
                        session,
                        writes("locked/k", "older"),
                        LONG_LOCK_TTL_MILLIS,
                        TwoPhaseWrites.DEFAULT_BACKOFF_MILLIS);
                TwoPhaseWrites younger = TwoPhaseWrites.begin(
                        session, writes("locked/k", "younger"), LONG_LOCK_TTL_MILLIS, FAILING_STEP_BACKOFF_MILLIS)) {
            older.prewritePrimary();
            // The younger transaction waits for the older one's lock until its budget runs out.
            assertThatThrownBy(younger::prewritePrimary)
                    .satisfies(e -> assertThat(causeMessages(e)).contains("locked"));
            assertThat(probe.lockSeenAt(b("locked/k"), now()))
                    .hasValueSatisfying(
                            lock -> assertThat(lock.getLockVersion()).isEqualTo(older.startTs()));
            long commitTs = older.commitPrimary();
            assertThat(get("locked/k", now())).isEqualTo("older");
            assertThat(get("locked/k", commitTs - 1)).isEmpty();
        }
        // The other way round: an older transaction meeting a younger one's lock gives up at once.
        try (TwoPhaseWrites older = TwoPhaseWrites.begin(
                        session,
                        writes("locked/k2", "older"),
                        LONG_LOCK_TTL_MILLIS,
                        TwoPhaseWrites.DEFAULT_BACKOFF_MILLIS);
                TwoPhaseWrites younger = TwoPhaseWrites.begin(
                        session,
                        writes("locked/k2", "younger"),
                        LONG_LOCK_TTL_MILLIS,
                        TwoPhaseWrites.DEFAULT_BACKOFF_MILLIS)) {
            younger.prewritePrimary();
            assertThatThrownBy(older::prewritePrimary)
                    .satisfies(e -> assertThat(e).hasRootCauseInstanceOf(WriteConflictException.class));
            younger.commitPrimary();
            assertThat(get("locked/k2", now())).isEqualTo("younger");
        }
    }

    @Test
    void badInputOnTheTransactionalPathGivesAnErrorAndTheStoreKeepsServing() throws Exception {
        try (TwoPhaseWrites emptyPrimary =
                TwoPhaseWrites.begin(session, writes("", "v"), LONG_LOCK_TTL_MILLIS, FAILING_STEP_BACKOFF_MILLIS)) {
            assertThatThrownBy(emptyPrimary::prewritePrimary)
                    .satisfies(e -> assertThat(causeMessages(e)).contains("key must not be empty"));
        }
        try (TwoPhaseWrites emptySecondary = TwoPhaseWrites.begin(
                session, writes("bad/p", "v", "", "w"), LONG_LOCK_TTL_MILLIS, FAILING_STEP_BACKOFF_MILLIS)) {
            emptySecondary.prewritePrimary();
            assertThatThrownBy(emptySecondary::prewriteSecondaries)
                    .satisfies(e -> assertThat(causeMessages(e)).contains("key must not be empty"));
        }
        String hugeKey = "bad/" + "k".repeat(OVERSIZED_KEY_BYTES);
        try (TwoPhaseWrites oversized = TwoPhaseWrites.begin(
                session, writes(hugeKey, "v"), LONG_LOCK_TTL_MILLIS, FAILING_STEP_BACKOFF_MILLIS)) {
            assertThatThrownBy(oversized::prewritePrimary)
                    .satisfies(e -> assertThat(causeMessages(e)).contains("limits.max-key-size"));
        }
        assertThat(tinykv.isAlive()).isTrue();
        assertThat(probe.lockSeenAt(b("bad/p"), now()))
                .as("the primary of the refused transaction")
                .hasValueSatisfying(
                        lock -> assertThat(lock.getPrimaryLock().toStringUtf8()).isEqualTo("bad/p"));
        commit("bad/after", "fine");
        assertThat(get("bad/after", now())).isEqualTo("fine");
        // Reading the empty key is not bad input: no write can create it, so there is nothing under it.
        assertThat(get("", now())).isEmpty();
        assertThat(batchGet(now(), "", "bad/after")).containsExactly("bad/after=fine");
    }
}
