package io.tinykv.txn.command;

import io.tinykv.proto.Errorpb;
import io.tinykv.proto.Kvrpcpb;
import io.tinykv.txn.mvcc.KeyRange;
import io.tinykv.txn.mvcc.MvccReader;
import java.util.List;

/**
 * One transactional RPC: the request it came from, the keys it must latch, what it does on a
 * snapshot, and how its response carries errors. Commands are immutable and run once.
 *
 * @param <R> the kvrpcpb response type
 */
public sealed interface Command<R>
        permits Get,
                BatchGet,
                Scan,
                Prewrite,
                Commit,
                BatchRollback,
                CheckTxnStatus,
                CheckSecondaryLocks,
                ResolveLock,
                Cleanup,
                TxnHeartBeat,
                GcKeys {

    Kvrpcpb.Context context();

    /**
     * Keys whose latches the command holds from before its snapshot is taken until its writes are
     * applied; empty for snapshot reads, which need none.
     */
    List<byte[]> latchKeys();

    /**
     * Runs the command on {@code snapshot}.
     *
     * @param region the keys of the region the request addressed; keys outside it are refused
     * @throws KeyErrorException for a transaction error reported in the response's key error
     * @throws io.tinykv.storage.RegionException for a region error
     */
    Outcome<R> execute(MvccReader snapshot, KeyRange region);

    /** The response reporting a region error. */
    R regionError(Errorpb.Error error);

    /** The response reporting a transaction error. */
    R keyError(Kvrpcpb.KeyError error);
}
