package io.tinykv.compat;

import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Set;
import java.util.concurrent.ConcurrentSkipListSet;
import java.util.concurrent.atomic.AtomicLong;
import java.util.function.BooleanSupplier;
import org.tikv.common.TiSession;

/**
 * Transactions through the TiKV client that fill the key space so that regions split: round
 * {@code r} writes one value of {@link #VALUE_BYTES} to each of {@code stripes} keys
 * {@code load/<stripe>/<r>}, so every stripe grows into regions of its own and every round's
 * transaction spans them (its primary in the first stripe, its secondaries in the others). Rounds
 * whose commit returned are committed; a round that failed may or may not have committed, all or
 * nothing.
 */
final class SplitLoad {
    static final int VALUE_BYTES = 1024;
    static final String PREFIX = "load/";

    private final TiSession session;
    private final int stripes;
    private final long lockTtlMillis;
    private final int backoffMillis;
    private final AtomicLong nextRound = new AtomicLong();
    private final Set<Long> committed = new ConcurrentSkipListSet<>();
    private final Set<Long> unknown = new ConcurrentSkipListSet<>();

    SplitLoad(TiSession session, int stripes, long lockTtlMillis, int backoffMillis) {
        this.session = session;
        this.stripes = stripes;
        this.lockTtlMillis = lockTtlMillis;
        this.backoffMillis = backoffMillis;
    }

    static String key(int stripe, long round) {
        return String.format("%s%02d/%06d", PREFIX, stripe, round);
    }

    static String value(int stripe, long round) {
        String head = "r" + round + "s" + stripe + "-";
        return head + "x".repeat(VALUE_BYTES - head.length());
    }

    /** Writes rounds until {@code done} holds (checked between rounds). */
    void runUntil(BooleanSupplier done) {
        while (!done.getAsBoolean()) {
            long round = nextRound.getAndIncrement();
            LinkedHashMap<byte[], byte[]> writes = new LinkedHashMap<>();
            for (int s = 0; s < stripes; s++) {
                writes.put(
                        key(s, round).getBytes(StandardCharsets.UTF_8),
                        value(s, round).getBytes(StandardCharsets.UTF_8));
            }
            try (TwoPhaseWrites txn = TwoPhaseWrites.begin(session, writes, lockTtlMillis, backoffMillis)) {
                txn.commit();
                committed.add(round);
            } catch (Exception e) {
                unknown.add(round);
            }
        }
    }

    int stripes() {
        return stripes;
    }

    List<Long> committedRounds() {
        return new ArrayList<>(committed);
    }

    Set<Long> unknownRounds() {
        return Set.copyOf(unknown);
    }

    long rounds() {
        return nextRound.get();
    }
}
