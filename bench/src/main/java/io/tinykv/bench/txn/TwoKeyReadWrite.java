package io.tinykv.bench.txn;

import io.tinykv.bench.workload.KeyChooser;
import io.tinykv.bench.workload.RecordKeys;
import java.util.SplittableRandom;

/**
 * The measured transaction: begin, read two distinct records, write both with fresh values, commit —
 * the smallest read-write transaction that needs two-phase commit across keys.
 *
 * <p>Transaction keys live apart from the RawKV keys measured in the same run (their first byte is
 * {@link #KEY_PREFIX} instead of {@link RecordKeys}'s {@code u}): TiKV keeps raw and transactional data in one column
 * family with different encodings, and mixing the two APIs on one key is not something to measure.
 */
public final class TwoKeyReadWrite {

    /** The first byte of every transactional key. */
    public static final byte KEY_PREFIX = 't';
    /** Keys per transaction. */
    public static final int KEYS = 2;

    private final KeyChooser chooser;
    private final RecordKeys keys;

    public TwoKeyReadWrite(KeyChooser chooser, RecordKeys keys, long recordCount) {
        if (recordCount < KEYS) {
            throw new IllegalArgumentException(
                    "a " + KEYS + "-key transaction needs at least " + KEYS + " records, got " + recordCount);
        }
        this.chooser = chooser;
        this.keys = keys;
    }

    /** The transactional key of record {@code index}. */
    public byte[] key(long index) {
        byte[] key = keys.key(index);
        key[0] = KEY_PREFIX;
        return key;
    }

    /**
     * Runs one transaction. {@code first} and {@code second} are the client's value buffers, filled
     * with fresh random bytes here.
     *
     * @return {@link TxnOutcome#COMMITTED}, or the kind of abort
     * @throws Exception anything that is neither a commit nor a definite abort: an error of the run
     */
    public TxnOutcome execute(TxnTarget target, SplittableRandom random, byte[] first, byte[] second) throws Exception {
        long a = chooser.nextIndex(random);
        long b = chooser.nextIndex(random);
        while (b == a) {
            // Zipfian picks the hottest record often; drawing again keeps the skew of the second key.
            b = chooser.nextIndex(random);
        }
        byte[] keyA = key(a);
        byte[] keyB = key(b);
        random.nextBytes(first);
        random.nextBytes(second);
        try (TxnSession txn = target.begin()) {
            txn.get(keyA);
            txn.get(keyB);
            txn.put(keyA, first);
            txn.put(keyB, second);
            txn.commit();
            return TxnOutcome.COMMITTED;
        } catch (TxnAbortException e) {
            return e.outcome();
        }
    }
}
