package io.tinykv.storage;

import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * TEST SEAM: makes an engine's writes or syncs fail on demand, as a dying disk would, so that the
 * fail-stop paths can be tested. Production never creates one ({@link Engine#injectFaults} is
 * called by tests only). Thread-safe.
 */
public final class StorageFaults {

    /** Where a fault can be injected. */
    public enum Point {
        /** Writing a write batch (synced or not). */
        WRITE,
        /** Syncing the WAL: {@link Engine#syncWal} and the sync at {@link Engine#close}. */
        SYNC,
        /** Ingesting SST files. */
        INGEST
    }

    private final Set<Point> armed = ConcurrentHashMap.newKeySet();
    private final AtomicInteger injected = new AtomicInteger();

    /** From now on every operation at {@code point} fails. */
    public StorageFaults fail(Point point) {
        armed.add(point);
        return this;
    }

    /** Operations at {@code point} succeed again. */
    public StorageFaults heal(Point point) {
        armed.remove(point);
        return this;
    }

    /** How many operations failed because of this seam (a test asserts the fault really happened). */
    public int injected() {
        return injected.get();
    }

    /**
     * Fails when {@code point} is armed.
     *
     * @throws StorageException "injected fault" naming {@code what}
     */
    public void check(Point point, String what) {
        if (armed.contains(point)) {
            injected.incrementAndGet();
            throw new StorageException(what + " failed: injected fault at " + point + " (test)");
        }
    }
}
