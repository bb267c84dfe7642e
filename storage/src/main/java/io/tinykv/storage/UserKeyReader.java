package io.tinykv.storage;

/**
 * The user's view of a kv-engine snapshot: keys are user keys, stored under the data prefix
 * ({@link Keys#dataKey}); local keys (Raft and region metadata) are invisible. This is the reader
 * {@link Storage} implementations hand to the API layer.
 */
public final class UserKeyReader implements StorageReader {

    private final SnapshotReader snapshot;

    /** Takes ownership of {@code snapshot}: closing this reader closes it. */
    public UserKeyReader(SnapshotReader snapshot) {
        this.snapshot = snapshot;
    }

    @Override
    public byte[] get(Cf cf, byte[] key) {
        return snapshot.get(cf, Keys.dataKey(key));
    }

    /** An iterator over every user key of {@code cf}. */
    @Override
    public KvIterator iterator(Cf cf) {
        return iterator(cf, new byte[0], new byte[0]);
    }

    /**
     * An iterator over the user keys of {@code cf} in {@code [startKey, endKey)}; an empty end key
     * means no upper bound (e.g. a region's range).
     */
    public KvIterator iterator(Cf cf, byte[] startKey, byte[] endKey) {
        return new UserKeyIterator(snapshot.iterator(cf, Keys.dataKey(startKey), Keys.dataEndKey(endKey)));
    }

    @Override
    public void close() {
        snapshot.close();
    }

    /** Translates positions and keys between the user and the data key space. */
    private record UserKeyIterator(KvIterator dataKeys) implements KvIterator {

        @Override
        public void seek(byte[] key) {
            dataKeys.seek(Keys.dataKey(key));
        }

        @Override
        public void seekForPrev(byte[] key) {
            dataKeys.seekForPrev(Keys.dataKey(key));
        }

        @Override
        public void seekToFirst() {
            dataKeys.seekToFirst();
        }

        @Override
        public void seekToLast() {
            dataKeys.seekToLast();
        }

        @Override
        public boolean valid() {
            return dataKeys.valid();
        }

        @Override
        public void next() {
            dataKeys.next();
        }

        @Override
        public void prev() {
            dataKeys.prev();
        }

        @Override
        public byte[] key() {
            return Keys.userKey(dataKeys.key());
        }

        @Override
        public byte[] value() {
            return dataKeys.value();
        }

        @Override
        public void close() {
            dataKeys.close();
        }
    }
}
