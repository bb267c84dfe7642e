package io.tinykv.txn.command;

import com.google.protobuf.ByteString;
import io.tinykv.proto.Kvrpcpb;
import io.tinykv.storage.Storage;
import io.tinykv.txn.TxnCommands;
import io.tinykv.txn.mvcc.Lock;
import io.tinykv.txn.mvcc.LockKind;
import io.tinykv.txn.testing.MvccFixture;
import io.tinykv.txn.testing.StorageKind;
import java.nio.file.Path;
import java.util.Arrays;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.Parameter;
import org.junit.jupiter.params.ParameterizedClass;
import org.junit.jupiter.params.provider.EnumSource;

/**
 * Command tests in the manner of TinyKV's 4B/4C: raw MVCC state in, one request through
 * {@link TxnCommands}, response and state checked. Start ts 100, commit ts start + 10. Every test
 * runs on each storage implementation.
 */
@ParameterizedClass
@EnumSource(StorageKind.class)
abstract class CommandTestBase {

    static final long START = 100;
    static final long COMMIT = START + 10;
    static final long TTL = 3000;

    @Parameter
    StorageKind kind;

    @TempDir
    Path dir;

    Storage storage;
    MvccFixture f;
    TxnCommands txn;

    @BeforeEach
    void openStorage() {
        storage = kind.open(dir);
        f = new MvccFixture(storage);
        txn = new TxnCommands(storage);
    }

    @AfterEach
    void closeStorage() {
        storage.close();
    }

    static Kvrpcpb.Context ctx() {
        return MvccFixture.CTX;
    }

    static byte[] k(int... bytes) {
        return MvccFixture.key(bytes);
    }

    static ByteString bs(byte[] bytes) {
        return ByteString.copyFrom(bytes);
    }

    static Kvrpcpb.Mutation put(byte[] key, byte[] value) {
        return Kvrpcpb.Mutation.newBuilder()
                .setOp(Kvrpcpb.Op.Put)
                .setKey(bs(key))
                .setValue(bs(value))
                .build();
    }

    static Kvrpcpb.Mutation del(byte[] key) {
        return Kvrpcpb.Mutation.newBuilder()
                .setOp(Kvrpcpb.Op.Del)
                .setKey(bs(key))
                .build();
    }

    static Kvrpcpb.Mutation mutation(Kvrpcpb.Op op, byte[] key) {
        return Kvrpcpb.Mutation.newBuilder().setOp(op).setKey(bs(key)).build();
    }

    static Kvrpcpb.PrewriteRequest prewriteRequest(byte[] primary, long startTs, Kvrpcpb.Mutation... mutations) {
        return Kvrpcpb.PrewriteRequest.newBuilder()
                .setContext(ctx())
                .setPrimaryLock(bs(primary))
                .setStartVersion(startTs)
                .setLockTtl(TTL)
                .addAllMutations(Arrays.asList(mutations))
                .build();
    }

    Kvrpcpb.PrewriteResponse prewrite(byte[] primary, long startTs, Kvrpcpb.Mutation... mutations) {
        return txn.prewrite(prewriteRequest(primary, startTs, mutations));
    }

    Kvrpcpb.CommitResponse commit(long startTs, long commitTs, byte[]... keys) {
        return txn.commit(Kvrpcpb.CommitRequest.newBuilder()
                .setContext(ctx())
                .setStartVersion(startTs)
                .setCommitVersion(commitTs)
                .addAllKeys(Arrays.stream(keys).map(CommandTestBase::bs).toList())
                .build());
    }

    Kvrpcpb.BatchRollbackResponse rollback(long startTs, byte[]... keys) {
        return txn.batchRollback(Kvrpcpb.BatchRollbackRequest.newBuilder()
                .setContext(ctx())
                .setStartVersion(startTs)
                .addAllKeys(Arrays.stream(keys).map(CommandTestBase::bs).toList())
                .build());
    }

    Kvrpcpb.GetResponse get(byte[] key, long version) {
        return txn.get(Kvrpcpb.GetRequest.newBuilder()
                .setContext(ctx())
                .setKey(bs(key))
                .setVersion(version)
                .build());
    }

    /** A lock as a prewrite of {@code primary}'s transaction at {@code startTs} would leave it (inline value). */
    static Lock putLock(byte[] primary, long startTs, byte[] value) {
        return new Lock(LockKind.PUT, primary, startTs, TTL, 0, 0, value);
    }
}
