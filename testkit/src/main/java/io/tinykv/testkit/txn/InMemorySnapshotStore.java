package io.tinykv.testkit.txn;

import io.tinykv.testkit.history.Outcome;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.NavigableMap;
import java.util.TreeMap;

/**
 * Reference in-memory MVCC store with snapshot isolation: a transaction reads the versions committed
 * before its start timestamp and commits only if no written key got a newer committed version
 * meanwhile (first committer wins). One lock guards everything; timestamps come from a counter
 * under it, so the store is also strongly snapshot isolated (real-time order respected).
 * A {@link StoreFlaw} other than NONE breaks it on purpose.
 */
public final class InMemorySnapshotStore implements TxnExecutor {

    private final Object lock = new Object();
    private final StoreFlaw flaw;
    private final Map<String, NavigableMap<Long, List<Long>>> versions = new HashMap<>();
    /** READ_UNCOMMITTED only: the latest uncommitted write of each key, and whose it is. */
    private final Map<String, Intent> intents = new HashMap<>();

    private long lastTimestamp;

    private record Intent(Session owner, List<Long> value) {}

    public InMemorySnapshotStore(StoreFlaw flaw) {
        this.flaw = flaw;
    }

    /** A correct snapshot-isolated store. */
    public static InMemorySnapshotStore correct() {
        return new InMemorySnapshotStore(StoreFlaw.NONE);
    }

    @Override
    public TxnSession begin() {
        synchronized (lock) {
            return new Session(++lastTimestamp);
        }
    }

    private List<Long> committedAt(String key, long timestamp) {
        NavigableMap<Long, List<Long>> byCommitTs = versions.get(key);
        Map.Entry<Long, List<Long>> entry = byCommitTs == null ? null : byCommitTs.floorEntry(timestamp);
        return entry == null ? List.of() : entry.getValue();
    }

    private long latestCommitTs(String key) {
        NavigableMap<Long, List<Long>> byCommitTs = versions.get(key);
        return byCommitTs == null || byCommitTs.isEmpty() ? 0 : byCommitTs.lastKey();
    }

    private final class Session implements TxnSession {
        private final long startTs;
        private final Map<String, List<Long>> writes = new LinkedHashMap<>();
        private boolean finished;

        Session(long startTs) {
            this.startTs = startTs;
        }

        @Override
        public List<Long> read(String key) {
            requireOpen();
            List<Long> own = writes.get(key);
            if (own != null) {
                return own;
            }
            synchronized (lock) {
                return switch (flaw) {
                    case READ_UNCOMMITTED -> {
                        Intent intent = intents.get(key);
                        yield intent != null ? intent.value() : committedAt(key, startTs);
                    }
                    case NON_SNAPSHOT_READS -> committedAt(key, Long.MAX_VALUE);
                    case NONE, NO_WRITE_CONFLICT_CHECK -> committedAt(key, startTs);
                };
            }
        }

        @Override
        public void write(String key, List<Long> value) {
            requireOpen();
            List<Long> copy = List.copyOf(value);
            writes.put(key, copy);
            if (flaw == StoreFlaw.READ_UNCOMMITTED) {
                synchronized (lock) {
                    intents.put(key, new Intent(this, copy));
                }
            }
        }

        @Override
        public Outcome commit() {
            requireOpen();
            synchronized (lock) {
                finished = true;
                dropIntents();
                if (flaw != StoreFlaw.NO_WRITE_CONFLICT_CHECK) {
                    for (String key : writes.keySet()) {
                        if (latestCommitTs(key) > startTs) {
                            return Outcome.FAIL; // someone else committed this key after our snapshot
                        }
                    }
                }
                if (writes.isEmpty()) {
                    return Outcome.OK;
                }
                long commitTs = ++lastTimestamp;
                for (Map.Entry<String, List<Long>> w : writes.entrySet()) {
                    versions.computeIfAbsent(w.getKey(), k -> new TreeMap<>()).put(commitTs, w.getValue());
                }
                return Outcome.OK;
            }
        }

        @Override
        public void abort() {
            synchronized (lock) {
                finished = true;
                dropIntents();
            }
        }

        private void dropIntents() {
            intents.values().removeIf(intent -> intent.owner() == this);
        }

        private void requireOpen() {
            if (finished) {
                throw new IllegalStateException("transaction at " + startTs + " is already finished");
            }
        }
    }
}
