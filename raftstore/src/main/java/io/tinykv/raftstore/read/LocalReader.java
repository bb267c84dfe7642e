package io.tinykv.raftstore.read;

import com.google.protobuf.ByteString;
import io.tinykv.proto.RaftCmdpb.RaftCmdRequest;
import io.tinykv.proto.RaftCmdpb.Request;
import io.tinykv.proto.RegionEpochs;
import io.tinykv.raftstore.Callback;
import io.tinykv.raftstore.CmdRequests;
import io.tinykv.raftstore.CmdResult;
import io.tinykv.raftstore.Regions;
import io.tinykv.raftstore.Router;
import java.util.function.LongSupplier;

/**
 * Answers reads by leader lease on the thread that received them (a gRPC thread in production),
 * without a trip through the Raft thread (TiKV's LocalReader). It uses the lease the peer published
 * ({@link PublishedLease}); whenever the grant is missing, expired, wants renewal, or the request
 * does not pass the checks a leader makes (store, term, epoch, key range), the read goes to the
 * Raft thread as before, which answers it (by lease or ReadIndex) or with the region error.
 *
 * <p>The read is checked twice against the clock and the published grant, as {@link io.tinykv.raftstore.peer.Peer} does
 * for its own lease reads: before (to avoid useless work) and after the data was read (so that a
 * pause in between — a GC, a stopped process — shows as time that passed, and a grant revoked in
 * between is seen). Only then is the answer given. Thread-safe.
 */
public final class LocalReader {

    private final long storeId;
    private final Router router;
    private final ReadExecutor executor;
    private final LongSupplier nanoClock;

    public LocalReader(long storeId, Router router, ReadExecutor executor, LongSupplier nanoClock) {
        this.storeId = storeId;
        this.router = router;
        this.executor = executor;
        this.nanoClock = nanoClock;
    }

    /**
     * Answers {@code request} through {@code callback} if the lease allows it now.
     *
     * @return false when nothing was answered: the caller hands the request to the Raft thread
     */
    public boolean tryRead(RaftCmdRequest request, Callback callback) {
        if (!isPlainRead(request)) {
            return false;
        }
        Router.Mailbox mailbox = router.mailbox(request.getHeader().getRegionId());
        if (mailbox == null) {
            return false;
        }
        PublishedLease published = mailbox.peer.publishedLease();
        PublishedLease.Grant grant = published.current();
        if (grant == null) {
            return false;
        }
        long now = nanoClock.getAsLong();
        if (!grant.holdsAt(now) || grant.wantsRenewalAt(now) || !passesLeaderChecks(request, grant)) {
            return false;
        }
        CmdResult result = executor.execute(request, grant.region(), grant.term());
        long answeredAtNanos = nanoClock.getAsLong();
        PublishedLease.Grant after = published.current();
        boolean stillHolds = after != null
                && after.term() == grant.term()
                && after.region().getRegionEpoch().equals(grant.region().getRegionEpoch())
                && grant.holdsAt(answeredAtNanos);
        if (!stillHolds || result.isError()) {
            if (result.snapshot() != null) {
                result.snapshot().close();
            }
            return false;
        }
        published.onRead();
        callback.complete(result);
        return true;
    }

    /** Gets and Snaps only, for the leader (a follower's replica read takes the Raft thread's way). */
    private static boolean isPlainRead(RaftCmdRequest request) {
        if (request.hasAdminRequest() || request.getRequestsCount() == 0) {
            return false;
        }
        for (Request r : request.getRequestsList()) {
            switch (r.getCmdType()) {
                case Get, Snap -> {}
                default -> {
                    return false;
                }
            }
        }
        return true;
    }

    /** The checks {@link io.tinykv.raftstore.peer.Peer} makes before reading as leader; any failure is left to it to answer. */
    private boolean passesLeaderChecks(RaftCmdRequest request, PublishedLease.Grant grant) {
        var header = request.getHeader();
        if (header.hasPeer() && header.getPeer().getStoreId() != storeId) {
            return false;
        }
        if (header.getTerm() != 0 && grant.term() > header.getTerm() + 1) {
            return false;
        }
        if (RegionEpochs.isVersionStale(header.getRegionEpoch(), grant.region().getRegionEpoch())) {
            return false;
        }
        for (Request r : request.getRequestsList()) {
            if (CmdRequests.checkCf(r) != null) {
                return false;
            }
            ByteString key = CmdRequests.keyOf(r);
            if (key != null && !Regions.containsKey(grant.region(), key)) {
                return false;
            }
        }
        return true;
    }
}
