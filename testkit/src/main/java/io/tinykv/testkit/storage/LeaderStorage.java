package io.tinykv.testkit.storage;

import io.tinykv.proto.Kvrpcpb;
import io.tinykv.storage.Cf;
import io.tinykv.storage.KvIterator;
import io.tinykv.storage.Modify;
import io.tinykv.storage.Storage;
import io.tinykv.storage.StorageReader;
import java.util.ArrayDeque;
import java.util.Deque;
import java.util.List;
import java.util.concurrent.CompletableFuture;

/**
 * A storage as a region's leader serves it: its snapshots carry a leader term the test sets, and
 * while {@link #holdWrites} is on, writes are queued instead of applied (a proposal still
 * replicating) until {@link #releaseWrites}. Single-threaded test use.
 */
public final class LeaderStorage implements Storage {

    private record Pending(Kvrpcpb.Context ctx, List<Modify> batch, CompletableFuture<Void> done) {}

    private final Storage inner;
    private final Deque<Pending> held = new ArrayDeque<>();
    private volatile long term;
    private boolean holding;

    public LeaderStorage(Storage inner, long term) {
        this.inner = inner;
        this.term = term;
    }

    /** A new leadership: later snapshots carry {@code newTerm}. */
    public void setTerm(long newTerm) {
        term = newTerm;
    }

    public void holdWrites() {
        holding = true;
    }

    /** Applies the queued writes in order and stops holding. */
    public void releaseWrites() {
        holding = false;
        while (!held.isEmpty()) {
            Pending p = held.poll();
            inner.write(p.ctx(), p.batch());
            p.done().complete(null);
        }
    }

    public int heldWrites() {
        return held.size();
    }

    @Override
    public void write(Kvrpcpb.Context ctx, List<Modify> batch) {
        writeAsync(ctx, batch).join();
    }

    @Override
    public CompletableFuture<Void> writeAsync(Kvrpcpb.Context ctx, List<Modify> batch) {
        if (!holding) {
            return inner.writeAsync(ctx, batch);
        }
        CompletableFuture<Void> done = new CompletableFuture<>();
        held.add(new Pending(ctx, batch, done));
        return done;
    }

    @Override
    public StorageReader reader(Kvrpcpb.Context ctx) {
        StorageReader snapshot = inner.reader(ctx);
        long snapshotTerm = term;
        return new StorageReader() {
            @Override
            public byte[] get(Cf cf, byte[] key) {
                return snapshot.get(cf, key);
            }

            @Override
            public KvIterator iterator(Cf cf) {
                return snapshot.iterator(cf);
            }

            @Override
            public long leaderTerm() {
                return snapshotTerm;
            }

            @Override
            public void close() {
                snapshot.close();
            }
        };
    }

    /** The wrapped storage belongs to whoever made it, and is closed by them. */
    @Override
    public void close() {}
}
