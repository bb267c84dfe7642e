package io.tinykv.client;

import io.tinykv.proto.Kvrpcpb;
import io.tinykv.storage.Cf;
import io.tinykv.storage.KvIterator;
import io.tinykv.storage.Modify;
import io.tinykv.storage.Storage;
import io.tinykv.storage.StorageReader;
import java.util.List;
import java.util.concurrent.CompletableFuture;

/** A storage whose snapshots say they come from a region leader of term 1, as a raft store's do. */
final class LeaderTermStorage implements Storage {
  private static final long TERM = 1;

  private final Storage inner;

  LeaderTermStorage(Storage inner) {
    this.inner = inner;
  }

  @Override
  public void write(Kvrpcpb.Context ctx, List<Modify> batch) {
    inner.write(ctx, batch);
  }

  @Override
  public CompletableFuture<Void> writeAsync(Kvrpcpb.Context ctx, List<Modify> batch) {
    return inner.writeAsync(ctx, batch);
  }

  @Override
  public StorageReader reader(Kvrpcpb.Context ctx) {
    StorageReader snapshot = inner.reader(ctx);
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
        return TERM;
      }

      @Override
      public void close() {
        snapshot.close();
      }
    };
  }

  @Override
  public void close() {
    // The cluster closes the storage it wraps.
  }
}
