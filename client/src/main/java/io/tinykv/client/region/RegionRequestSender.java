package io.tinykv.client.region;

import io.grpc.Status;
import io.grpc.StatusRuntimeException;
import io.tinykv.client.Backoff;
import io.tinykv.client.BackoffKind;
import io.tinykv.client.ChannelPool;
import io.tinykv.client.Failures;
import io.tinykv.client.RegionErrorException;
import io.tinykv.client.RegionUnavailableException;
import io.tinykv.client.RpcException;
import io.tinykv.proto.Errorpb;
import io.tinykv.proto.Kvrpcpb;
import io.tinykv.proto.Metapb;
import io.tinykv.proto.TikvGrpc;
import java.util.Optional;
import java.util.concurrent.TimeUnit;
import java.util.function.Function;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Sends one request to the leader of one region and sorts out what came back: an answer, a reason to
 * retry (after updating the cache and backing off), or a failure to report.
 *
 * <p>What is retried, and why it is safe: every request sent here is idempotent (reads, RawKV writes that
 * set or delete to a fixed outcome, the transaction commands), so repeating one the store may already
 * have executed leaves the same state.
 * Retried are {@code not_leader} (go to the hinted leader at once, or refresh and wait), {@code
 * epoch_not_match}, {@code region_not_found}, {@code key_not_in_region} and {@code store_not_match}
 * (refresh the route), {@code server_is_busy} and {@code stale_command} (wait), and a store that cannot
 * be reached (UNAVAILABLE: refresh store and route, wait). A store that does not answer within the
 * deadline (DEADLINE_EXCEEDED) is retried only when the caller says its request is idempotent ({@link
 * OnDeadline#RETRY}: refresh the route, wait). Everything else is reported.
 *
 * <p>Thread-safe: all state lives in the cache and in the caller's {@link Backoff}.
 */
public final class RegionRequestSender {
    private static final Logger LOG = LoggerFactory.getLogger(RegionRequestSender.class);

    /** One request to a region's leader, given the routing context the store checks. */
    @FunctionalInterface
    public interface RegionCall<R> {
        R call(TikvGrpc.TikvBlockingStub stub, Kvrpcpb.Context context);
    }

    private final RegionCache cache;
    private final ChannelPool channels;
    private final long kvTimeoutMs;

    public RegionRequestSender(RegionCache cache, ChannelPool channels, long kvTimeoutMs) {
        this.cache = cache;
        this.channels = channels;
        this.kvTimeoutMs = kvTimeoutMs;
    }

    /**
     * Sends {@code call} to {@code region}'s leader once.
     *
     * @param regionErrorOf the response's region error, or null when it has none
     * @return the response, or empty when the caller should locate the region again and retry (the
     *     backoff has already been slept)
     * @throws RegionUnavailableException when a retry is due but the budget is spent
     * @throws RegionErrorException       for a region error that retrying cannot fix
     * @throws RpcException               for a gRPC failure other than UNAVAILABLE
     */
    public <R> Optional<R> attempt(
            String op,
            RegionInfo region,
            RegionCall<R> call,
            Function<R, Errorpb.Error> regionErrorOf,
            Backoff backoff) {
        return attempt(op, region, call, regionErrorOf, backoff, OnDeadline.REPORT);
    }

    /**
     * As {@link #attempt(String, RegionInfo, RegionCall, Function, Backoff)}; with {@code onDeadline}
     * {@link OnDeadline#RETRY} a request that got no answer within the deadline is also retried (the
     * region located again, after a {@link BackoffKind#STORE_UNREACHABLE} wait).
     */
    public <R> Optional<R> attempt(
            String op,
            RegionInfo region,
            RegionCall<R> call,
            Function<R, Errorpb.Error> regionErrorOf,
            Backoff backoff,
            OnDeadline onDeadline) {
        Optional<Metapb.Peer> target = targetPeer(region);
        if (target.isEmpty()) {
            cache.invalidate(region);
            backOff(op, backoff, BackoffKind.REGION_MISS, region + " has no peers", 0);
            return Optional.empty();
        }
        Metapb.Peer peer = target.get();
        Metapb.Store store = cache.store(peer.getStoreId());
        if (store.getAddress().isEmpty() || store.getState() == Metapb.StoreState.Tombstone) {
            cache.invalidateStore(peer.getStoreId());
            cache.invalidate(region);
            backOff(
                    op,
                    backoff,
                    BackoffKind.REGION_MISS,
                    "store " + peer.getStoreId() + " has no address or is removed",
                    0);
            return Optional.empty();
        }
        Kvrpcpb.Context context = Kvrpcpb.Context.newBuilder()
                .setRegionId(region.id())
                .setRegionEpoch(region.region().getRegionEpoch())
                .setPeer(peer)
                .setIsRetryRequest(backoff.retries() > 0)
                .build();
        TikvGrpc.TikvBlockingStub stub = TikvGrpc.newBlockingStub(channels.get(store.getAddress()))
                .withDeadlineAfter(kvTimeoutMs, TimeUnit.MILLISECONDS);
        R response;
        try {
            response = call.call(stub, context);
        } catch (StatusRuntimeException e) {
            String reason =
                    "store " + store.getId() + " at " + store.getAddress() + ": " + Failures.describe(e, kvTimeoutMs);
            Status.Code code = e.getStatus().getCode();
            if (code == Status.Code.DEADLINE_EXCEEDED && onDeadline == OnDeadline.RETRY) {
                // The store is alive but slow, or no longer leads and its request is stuck: ask PD for the
                // region's current leader before sending again.
                cache.invalidate(region);
                backOff(op, backoff, BackoffKind.STORE_UNREACHABLE, reason, 0);
                return Optional.empty();
            }
            if (code != Status.Code.UNAVAILABLE) {
                throw new RpcException(op + " failed at " + reason, e);
            }
            cache.invalidateStore(store.getId());
            cache.invalidate(region);
            backOff(op, backoff, BackoffKind.STORE_UNREACHABLE, reason, 0);
            return Optional.empty();
        }
        Errorpb.Error error = regionErrorOf.apply(response);
        if (error == null) {
            return Optional.of(response);
        }
        handleRegionError(op, region, peer, error, backoff);
        return Optional.empty();
    }

    /** PD knew no region for a key: wait for it to learn one (a split or bootstrap in progress). */
    public void regionMissing(String op, String what, Backoff backoff) {
        backOff(op, backoff, BackoffKind.REGION_MISS, "PD knows no region for " + what, 0);
    }

    private void handleRegionError(
            String op, RegionInfo region, Metapb.Peer peer, Errorpb.Error error, Backoff backoff) {
        String reason = Failures.describe(error) + " from store " + peer.getStoreId() + " for " + region;
        LOG.debug("{}: {}", op, reason);
        if (error.hasNotLeader()) {
            Metapb.Peer hint = error.getNotLeader().getLeader();
            boolean usableHint = hint.getId() != 0 && hint.getId() != peer.getId();
            if (!usableHint) {
                // An election is under way, or this peer lost touch: pause, then try the next peer, which may
                // know the leader (PD's view may be as stale as ours).
                cache.updateLeader(region, nextVoterAfter(region, peer));
                backOff(op, backoff, BackoffKind.REGION_MISS, reason, 0);
            } else {
                if (isPeerOf(region, hint)) {
                    cache.updateLeader(region, hint);
                } else {
                    cache.invalidate(region); // the hint names a peer we do not know: our membership is stale
                }
                if (!backoff.retryNow(BackoffKind.REGION_MISS, reason)) {
                    throw new RegionUnavailableException(op + ": " + backoff.givingUpMessage());
                }
            }
        } else if (error.hasEpochNotMatch()) {
            cache.invalidate(region);
            var current = error.getEpochNotMatch().getCurrentRegionsList();
            for (Metapb.Region fresh : current) {
                // The store that answered led the old region, so it most likely leads the pieces too.
                Metapb.Peer leader = fresh.getPeersList().stream()
                        .filter(p -> p.getStoreId() == peer.getStoreId())
                        .findFirst()
                        .orElse(Metapb.Peer.getDefaultInstance());
                cache.putFromStore(fresh, leader);
            }
            if (current.isEmpty()) {
                backOff(op, backoff, BackoffKind.REGION_MISS, reason, 0);
            } else if (!backoff.retryNow(BackoffKind.REGION_MISS, reason)) {
                throw new RegionUnavailableException(op + ": " + backoff.givingUpMessage());
            }
        } else if (error.hasRegionNotFound() || error.hasKeyNotInRegion()) {
            cache.invalidate(region);
            backOff(op, backoff, BackoffKind.REGION_MISS, reason, 0);
        } else if (error.hasStoreNotMatch()) {
            cache.invalidateStore(peer.getStoreId());
            cache.invalidate(region);
            backOff(op, backoff, BackoffKind.REGION_MISS, reason, 0);
        } else if (error.hasServerIsBusy()) {
            backOff(
                    op,
                    backoff,
                    BackoffKind.SERVER_BUSY,
                    reason,
                    error.getServerIsBusy().getBackoffMs());
        } else if (error.hasStaleCommand()) {
            backOff(op, backoff, BackoffKind.SERVER_BUSY, reason, 0);
        } else {
            throw new RegionErrorException(op + " failed: " + reason, error);
        }
    }

    private static void backOff(String op, Backoff backoff, BackoffKind kind, String reason, long minSleepMs) {
        if (!backoff.sleepThenRetry(kind, reason, minSleepMs)) {
            throw new RegionUnavailableException(op + ": " + backoff.givingUpMessage());
        }
    }

    /** The leader if known, else the first voter: a wrong guess costs one not_leader answer. */
    private static Optional<Metapb.Peer> targetPeer(RegionInfo region) {
        if (region.hasLeader()) {
            return Optional.of(region.leader());
        }
        return region.region().getPeersList().stream()
                .filter(p -> p.getRole() == Metapb.PeerRole.Voter)
                .findFirst();
    }

    /** The voter after {@code peer} in the region's peer list, wrapping around. */
    private static Metapb.Peer nextVoterAfter(RegionInfo region, Metapb.Peer peer) {
        var voters = region.region().getPeersList().stream()
                .filter(p -> p.getRole() == Metapb.PeerRole.Voter)
                .toList();
        for (int i = 0; i < voters.size(); i++) {
            if (voters.get(i).getId() == peer.getId()) {
                return voters.get((i + 1) % voters.size());
            }
        }
        return voters.isEmpty() ? Metapb.Peer.getDefaultInstance() : voters.get(0);
    }

    private static boolean isPeerOf(RegionInfo region, Metapb.Peer peer) {
        return region.region().getPeersList().stream()
                .anyMatch(p -> p.getId() == peer.getId() && p.getStoreId() == peer.getStoreId());
    }
}
