package io.tinykv.txn.testing;

import io.tinykv.proto.Kvrpcpb;
import io.tinykv.storage.Cf;
import io.tinykv.storage.KvIterator;
import io.tinykv.storage.Modify;
import io.tinykv.storage.Storage;
import io.tinykv.storage.StorageReader;
import java.util.Arrays;
import java.util.Collections;
import java.util.EnumMap;
import java.util.List;
import java.util.Map;
import java.util.NavigableMap;
import java.util.TreeMap;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * A {@link Storage} in memory for tests: one sorted map per column family, replaced as a whole on
 * every write so that a reader keeps the immutable maps of its moment (a true snapshot).
 */
public final class MemoryStorage implements Storage {

    private Map<Cf, NavigableMap<byte[], byte[]>> current = emptyMaps();
    private final AtomicInteger writeCount = new AtomicInteger();

    private static Map<Cf, NavigableMap<byte[], byte[]>> emptyMaps() {
        Map<Cf, NavigableMap<byte[], byte[]>> maps = new EnumMap<>(Cf.class);
        for (Cf cf : Cf.values()) {
            maps.put(cf, Collections.unmodifiableNavigableMap(new TreeMap<>(Arrays::compareUnsigned)));
        }
        return maps;
    }

    @Override
    public synchronized void write(Kvrpcpb.Context ctx, List<Modify> batch) {
        Map<Cf, NavigableMap<byte[], byte[]>> next = new EnumMap<>(Cf.class);
        for (Cf cf : Cf.values()) {
            next.put(cf, new TreeMap<>(current.get(cf)));
        }
        for (Modify m : batch) {
            NavigableMap<byte[], byte[]> map = next.get(m.cf());
            switch (m) {
                case Modify.Put p -> map.put(p.key().clone(), p.value().clone());
                case Modify.Delete d -> map.remove(d.key());
                case Modify.DeleteRange r -> {
                    if (r.endKey().length == 0) {
                        map.tailMap(r.startKey(), true).clear();
                    } else {
                        map.subMap(r.startKey(), true, r.endKey(), false).clear();
                    }
                }
            }
        }
        for (Cf cf : Cf.values()) {
            next.put(cf, Collections.unmodifiableNavigableMap(next.get(cf)));
        }
        current = next;
        writeCount.incrementAndGet();
    }

    /** How many batches were written; lets tests assert that a command wrote nothing. */
    public int writeCount() {
        return writeCount.get();
    }

    @Override
    public synchronized StorageReader reader(Kvrpcpb.Context ctx) {
        Map<Cf, NavigableMap<byte[], byte[]>> snapshot = current;
        return new StorageReader() {
            @Override
            public byte[] get(Cf cf, byte[] key) {
                byte[] v = snapshot.get(cf).get(key);
                return v == null ? null : v.clone();
            }

            @Override
            public KvIterator iterator(Cf cf) {
                return new MapIterator(snapshot.get(cf));
            }

            @Override
            public void close() {}
        };
    }

    @Override
    public void close() {}

    private static final class MapIterator implements KvIterator {
        private final NavigableMap<byte[], byte[]> map;
        private Map.Entry<byte[], byte[]> at;

        MapIterator(NavigableMap<byte[], byte[]> map) {
            this.map = map;
        }

        @Override
        public void seek(byte[] key) {
            at = map.ceilingEntry(key);
        }

        @Override
        public void seekForPrev(byte[] key) {
            at = map.floorEntry(key);
        }

        @Override
        public void seekToFirst() {
            at = map.firstEntry();
        }

        @Override
        public void seekToLast() {
            at = map.lastEntry();
        }

        @Override
        public boolean valid() {
            return at != null;
        }

        @Override
        public void next() {
            requireValid();
            at = map.higherEntry(at.getKey());
        }

        @Override
        public void prev() {
            requireValid();
            at = map.lowerEntry(at.getKey());
        }

        @Override
        public byte[] key() {
            requireValid();
            return at.getKey().clone();
        }

        @Override
        public byte[] value() {
            requireValid();
            return at.getValue().clone();
        }

        @Override
        public void close() {}

        private void requireValid() {
            if (at == null) {
                throw new IllegalStateException("iterator is not positioned on an entry");
            }
        }
    }
}
