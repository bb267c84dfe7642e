package io.tinykv.server.region;

import io.tinykv.storage.KvIterator;
import java.util.Arrays;

/**
 * An iterator confined to {@code [lower, upper)} (empty upper = no bound): positions outside the
 * range read as invalid, and seeks are clamped into it.
 */
final class RangeBoundedIterator implements KvIterator {

    private final KvIterator inner;
    private final byte[] lower;
    private final byte[] upper;

    RangeBoundedIterator(KvIterator inner, byte[] lower, byte[] upper) {
        this.inner = inner;
        this.lower = lower;
        this.upper = upper;
    }

    @Override
    public void seek(byte[] key) {
        inner.seek(Arrays.compareUnsigned(key, lower) < 0 ? lower : key);
    }

    @Override
    public void seekForPrev(byte[] key) {
        if (upper.length > 0 && Arrays.compareUnsigned(key, upper) >= 0) {
            seekToLast();
        } else {
            inner.seekForPrev(key);
        }
    }

    @Override
    public void seekToFirst() {
        inner.seek(lower);
    }

    @Override
    public void seekToLast() {
        if (upper.length == 0) {
            inner.seekToLast();
            return;
        }
        inner.seekForPrev(upper);
        if (inner.valid() && Arrays.equals(inner.key(), upper)) {
            inner.prev();
        }
    }

    @Override
    public boolean valid() {
        if (!inner.valid()) {
            return false;
        }
        byte[] key = inner.key();
        return Arrays.compareUnsigned(key, lower) >= 0
                && (upper.length == 0 || Arrays.compareUnsigned(key, upper) < 0);
    }

    @Override
    public void next() {
        inner.next();
    }

    @Override
    public void prev() {
        inner.prev();
    }

    @Override
    public byte[] key() {
        return inner.key();
    }

    @Override
    public byte[] value() {
        return inner.value();
    }

    @Override
    public void close() {
        inner.close();
    }
}
