package io.tinykv.server;

import io.tinykv.proto.Kvrpcpb;
import io.tinykv.storage.Cf;
import io.tinykv.storage.KvIterator;
import io.tinykv.storage.Modify;
import io.tinykv.storage.Storage;
import io.tinykv.storage.StorageReader;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.EnumMap;
import java.util.List;
import java.util.Map;
import java.util.NavigableMap;
import java.util.TreeMap;

/** A test {@link Storage}: one sorted map per column family; a reader is a copy taken at open. */
public final class MemoryStorage implements Storage {

    private final Map<Cf, NavigableMap<byte[], byte[]>> data = new EnumMap<>(Cf.class);
    private boolean closed;

    public MemoryStorage() {
        for (Cf cf : Cf.values()) {
            data.put(cf, new TreeMap<>(Arrays::compareUnsigned));
        }
    }

    @Override
    public synchronized void write(Kvrpcpb.Context ctx, List<Modify> batch) {
        checkOpen();
        for (Modify m : batch) {
            NavigableMap<byte[], byte[]> map = data.get(m.cf());
            switch (m) {
                case Modify.Put p -> map.put(p.key().clone(), p.value().clone());
                case Modify.Delete d -> map.remove(d.key());
                case Modify.DeleteRange r ->
                    (r.endKey().length == 0
                                    ? map.tailMap(r.startKey(), true)
                                    : map.subMap(r.startKey(), true, r.endKey(), false))
                            .clear();
            }
        }
    }

    @Override
    public synchronized StorageReader reader(Kvrpcpb.Context ctx) {
        checkOpen();
        Map<Cf, NavigableMap<byte[], byte[]>> snapshot = new EnumMap<>(Cf.class);
        data.forEach((cf, map) -> snapshot.put(cf, new TreeMap<>(map)));
        return new StorageReader() {
            @Override
            public byte[] get(Cf cf, byte[] key) {
                return snapshot.get(cf).get(key);
            }

            @Override
            public KvIterator iterator(Cf cf) {
                return new ListIterator(new ArrayList<>(snapshot.get(cf).entrySet()));
            }

            @Override
            public void close() {}
        };
    }

    public synchronized boolean isClosed() {
        return closed;
    }

    @Override
    public synchronized void close() {
        closed = true;
    }

    private void checkOpen() {
        if (closed) {
            throw new IllegalStateException("storage is closed");
        }
    }

    private static final class ListIterator implements KvIterator {
        private final List<Map.Entry<byte[], byte[]>> entries;
        private int pos = -1;

        ListIterator(List<Map.Entry<byte[], byte[]>> entries) {
            this.entries = entries;
        }

        @Override
        public void seek(byte[] key) {
            pos = 0;
            while (pos < entries.size()
                    && Arrays.compareUnsigned(entries.get(pos).getKey(), key) < 0) {
                pos++;
            }
        }

        @Override
        public void seekForPrev(byte[] key) {
            pos = entries.size() - 1;
            while (pos >= 0 && Arrays.compareUnsigned(entries.get(pos).getKey(), key) > 0) {
                pos--;
            }
        }

        @Override
        public void seekToFirst() {
            pos = 0;
        }

        @Override
        public void seekToLast() {
            pos = entries.size() - 1;
        }

        @Override
        public boolean valid() {
            return pos >= 0 && pos < entries.size();
        }

        @Override
        public void next() {
            pos++;
        }

        @Override
        public void prev() {
            pos--;
        }

        @Override
        public byte[] key() {
            return entries.get(pos).getKey();
        }

        @Override
        public byte[] value() {
            return entries.get(pos).getValue();
        }

        @Override
        public void close() {}
    }
}
