package io.tinykv.server;

import io.tinykv.proto.Kvrpcpb;
import io.tinykv.storage.Cf;
import io.tinykv.storage.KvIterator;
import io.tinykv.storage.Modify;
import io.tinykv.storage.Storage;
import io.tinykv.storage.StorageException;
import io.tinykv.storage.StorageReader;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.locks.Condition;
import java.util.concurrent.locks.ReentrantLock;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Never closes the engine under a request: {@link #close()} refuses new uses, waits for the
 * writes and open readers in progress to finish, and only then closes the inner storage. A
 * cancelled gRPC call's handler may still be running inside storage, so the server's own
 * in-flight accounting is not enough to make closing RocksDB safe.
 */
public final class GuardedStorage implements Storage {

    private static final Logger LOG = LoggerFactory.getLogger(GuardedStorage.class);

    private final Storage inner;
    private final long closeWaitMillis;
    private final ReentrantLock lock = new ReentrantLock();
    private final Condition unused = lock.newCondition();
    private int users;
    private boolean closing;

    public GuardedStorage(Storage inner, long closeWaitMillis) {
        this.inner = inner;
        this.closeWaitMillis = closeWaitMillis;
    }

    @Override
    public void write(Kvrpcpb.Context ctx, List<Modify> batch) {
        enter();
        try {
            inner.write(ctx, batch);
        } finally {
            exit();
        }
    }

    @Override
    public StorageReader reader(Kvrpcpb.Context ctx) {
        enter();
        StorageReader reader;
        try {
            reader = inner.reader(ctx);
        } catch (RuntimeException | Error e) {
            exit();
            throw e;
        }
        return guarded(reader);
    }

    /** The write counts as a use until its future completes, however it completes. */
    @Override
    public CompletableFuture<Void> writeAsync(Kvrpcpb.Context ctx, List<Modify> batch) {
        try {
            enter();
        } catch (StorageException e) {
            return CompletableFuture.failedFuture(e);
        }
        CompletableFuture<Void> write;
        try {
            write = inner.writeAsync(ctx, batch);
        } catch (RuntimeException | Error e) {
            exit();
            throw e;
        }
        return write.whenComplete((ok, failure) -> exit());
    }

    /** A use from the call until the reader is closed, or until the call fails. */
    @Override
    public CompletableFuture<StorageReader> readerAsync(Kvrpcpb.Context ctx) {
        try {
            enter();
        } catch (StorageException e) {
            return CompletableFuture.failedFuture(e);
        }
        CompletableFuture<StorageReader> read;
        try {
            read = inner.readerAsync(ctx);
        } catch (RuntimeException | Error e) {
            exit();
            throw e;
        }
        return read.handle((reader, failure) -> {
            if (failure != null) {
                exit();
                throw failure instanceof CompletionException c ? c : new CompletionException(failure);
            }
            return guarded(reader);
        });
    }

    private StorageReader guarded(StorageReader reader) {
        return new StorageReader() {
            private boolean closed;

            @Override
            public byte[] get(Cf cf, byte[] key) {
                return reader.get(cf, key);
            }

            @Override
            public KvIterator iterator(Cf cf) {
                return reader.iterator(cf);
            }

            @Override
            public long leaderTerm() {
                return reader.leaderTerm();
            }

            @Override
            public void close() {
                if (!closed) {
                    closed = true;
                    try {
                        reader.close();
                    } finally {
                        exit();
                    }
                }
            }
        };
    }

    /**
     * Waits for current users, then closes the inner storage. If they do not finish in time the
     * engine is left open rather than closed under them: every acknowledged write is already
     * synced, so the process can exit without closing it.
     */
    @Override
    public void close() {
        lock.lock();
        try {
            if (closing) {
                return;
            }
            closing = true;
            long remainingNanos = TimeUnit.MILLISECONDS.toNanos(closeWaitMillis);
            while (users > 0) {
                if (remainingNanos <= 0) {
                    LOG.error(
                            "{} requests still inside storage after {} ms; leaving the engine open "
                                    + "(acknowledged writes are already synced)",
                            users,
                            closeWaitMillis);
                    return;
                }
                remainingNanos = unused.awaitNanos(remainingNanos);
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            LOG.error("interrupted while waiting for requests to leave storage; leaving the engine open");
            return;
        } finally {
            lock.unlock();
        }
        inner.close();
    }

    private void enter() {
        lock.lock();
        try {
            if (closing) {
                throw new StorageException("the store is shutting down");
            }
            users++;
        } finally {
            lock.unlock();
        }
    }

    private void exit() {
        lock.lock();
        try {
            users--;
            if (users == 0) {
                unused.signalAll();
            }
        } finally {
            lock.unlock();
        }
    }
}
