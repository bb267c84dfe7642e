package io.tinykv.client;

import com.google.protobuf.ByteString;
import io.grpc.Status;
import io.grpc.StatusRuntimeException;
import io.tinykv.proto.Metapb;
import io.tinykv.proto.PDGrpc;
import io.tinykv.proto.Pdpb;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Queue;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionException;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.TimeUnit;
import java.util.function.Function;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Talks to PD (the scheduler): finds the PD leader, looks up regions and stores, and hands out
 * timestamps. Every call has the configured deadline; a call that fails because PD is unreachable or
 * its leader moved is retried against the (re-discovered) leader until the backoff budget is spent.
 *
 * <p>Thread-safe. Timestamps come over one {@code Tso} stream, one request at a time, shared by the
 * callers waiting at that moment.
 */
public final class PdClient implements AutoCloseable {
  private static final Logger LOG = LoggerFactory.getLogger(PdClient.class);

  /** A timestamp is {@code physical << 18 | logical}, the layout PD and TiKV use. */
  static final int LOGICAL_BITS = 18;
  private static final long MAX_LOGICAL = 1L << LOGICAL_BITS;

  /** The PD we send requests to, and the cluster id it reported (sent back in every header). */
  private record Leader(String address, long clusterId) {}

  private final ClientConfig config;
  private final ChannelPool channels;
  private final boolean ownsChannels;
  /** How keys asked about and boundaries answered relate to this client's keys. */
  private final RegionKeyCodec keyCodec;
  private final Clock clock;
  /** The configured addresses first, then every client URL the members reported. Guarded by itself. */
  private final Set<String> knownAddresses;
  private volatile Leader leader;

  private final Object tsoLock = new Object();
  /** Callers waiting for a timestamp; whoever takes tsoLock serves them all. */
  private final Queue<CompletableFuture<Long>> tsoWaiters = new ConcurrentLinkedQueue<>();
  private TsoStream tsoStream; // guarded by tsoLock
  private long lastTimestamp; // guarded by tsoLock

  /**
   * Connects to the PD cluster: asks the configured addresses in turn for the members until one
   * answers. Fails at once (no retries) when none does, so that a wrong address is reported quickly.
   *
   * @throws PdException "cannot reach PD at ADDRESS: REASON" when no configured PD answers
   */
  public static PdClient connect(ClientConfig config, ChannelFactory channelFactory, Clock clock) {
    ChannelPool pool = new ChannelPool(channelFactory);
    try {
      return new PdClient(config, pool, clock, true, RegionKeyCodec.RAW);
    } catch (RuntimeException e) {
      pool.close();
      throw e;
    }
  }

  /** {@link #connect(ClientConfig, ChannelFactory, Clock)} with plain-text channels and the real clock. */
  public static PdClient connect(ClientConfig config) {
    return connect(config, ChannelFactory.plaintext(), Clock.system());
  }

  PdClient(ClientConfig config, ChannelPool channels, Clock clock, boolean ownsChannels, RegionKeyCodec keyCodec) {
    this.config = config;
    this.keyCodec = keyCodec;
    this.channels = channels;
    this.clock = clock;
    this.ownsChannels = ownsChannels;
    this.knownAddresses = new LinkedHashSet<>(config.pdAddresses());
    this.leader = discoverLeader();
  }

  /** The address ({@code host:port}) of the PD this client currently sends requests to. */
  public String leaderAddress() {
    return leader.address();
  }

  /** The cluster id PD reported. */
  public long clusterId() {
    return leader.clusterId();
  }

  /** A region a store reported (in an {@code epoch_not_match}), with boundaries as this client routes. */
  Metapb.Region fromStore(Metapb.Region region) {
    return keyCodec.fromCluster(region);
  }

  /** The region containing {@code key}, or empty when PD knows none (e.g. not bootstrapped yet). */
  public Optional<RegionInfo> getRegion(ByteString key) {
    Pdpb.GetRegionResponse response = call("GetRegion",
        stub -> stub.getRegion(Pdpb.GetRegionRequest.newBuilder()
            .setHeader(header()).setRegionKey(keyCodec.toPd(key)).build()),
        Pdpb.GetRegionResponse::getHeader, true);
    return regionOf(response);
  }

  /** The region with this id, or empty when PD knows none. */
  public Optional<RegionInfo> getRegionById(long regionId) {
    Pdpb.GetRegionResponse response = call("GetRegionByID",
        stub -> stub.getRegionByID(Pdpb.GetRegionByIDRequest.newBuilder()
            .setHeader(header()).setRegionId(regionId).build()),
        Pdpb.GetRegionResponse::getHeader, true);
    return regionOf(response);
  }

  /**
   * The regions overlapping {@code [startKey, endKey)} in key order.
   *
   * @param endKey exclusive; empty means to the end of the key space
   * @param limit  at most this many regions; 0 means no limit
   */
  public List<RegionInfo> scanRegions(ByteString startKey, ByteString endKey, int limit) {
    return scanRegionStatuses(startKey, endKey, limit).stream().map(RegionStatus::info).toList();
  }

  /**
   * Like {@link #scanRegions} with what PD knows of each region's health (down and pending peers).
   *
   * @param endKey exclusive; empty means to the end of the key space
   * @param limit  at most this many regions; 0 means no limit
   */
  public List<RegionStatus> scanRegionStatuses(ByteString startKey, ByteString endKey, int limit) {
    if (limit < 0) {
      throw new IllegalArgumentException("limit must be >= 0, got " + limit);
    }
    Pdpb.ScanRegionsResponse response = call("ScanRegions",
        stub -> stub.scanRegions(Pdpb.ScanRegionsRequest.newBuilder().setHeader(header())
            .setStartKey(keyCodec.toPd(startKey)).setEndKey(keyCodec.toPd(endKey)).setLimit(limit).build()),
        Pdpb.ScanRegionsResponse::getHeader, false);
    List<RegionStatus> regions = new ArrayList<>();
    if (response.getRegionsCount() > 0) {
      for (Pdpb.Region region : response.getRegionsList()) {
        regions.add(new RegionStatus(new RegionInfo(keyCodec.fromCluster(region.getRegion()), region.getLeader()),
            region.getDownPeersList(), region.getPendingPeersList()));
      }
    } else {
      // Older servers fill only the parallel lists; a missing leader entry means "unknown".
      for (int i = 0; i < response.getRegionMetasCount(); i++) {
        Metapb.Peer leaderPeer = i < response.getLeadersCount()
            ? response.getLeaders(i) : Metapb.Peer.getDefaultInstance();
        regions.add(new RegionStatus(new RegionInfo(keyCodec.fromCluster(response.getRegionMetas(i)), leaderPeer),
            List.of(), List.of()));
      }
    }
    return regions;
  }

  /** The store with this id. */
  public Metapb.Store getStore(long storeId) {
    return call("GetStore",
        stub -> stub.getStore(Pdpb.GetStoreRequest.newBuilder()
            .setHeader(header()).setStoreId(storeId).build()),
        Pdpb.GetStoreResponse::getHeader, false).getStore();
  }

  /**
   * Holds PD's GC safe point at or below {@code safePoint} for {@code ttlSeconds} under
   * {@code serviceId} ({@code ttlSeconds <= 0} removes the hold).
   *
   * @return the smallest live service safe point afterwards; above {@code safePoint} when the hold
   *     was refused because the GC safe point is past it already
   */
  public long updateServiceGcSafePoint(String serviceId, long ttlSeconds, long safePoint) {
    return call("UpdateServiceGCSafePoint",
        stub -> stub.updateServiceGCSafePoint(Pdpb.UpdateServiceGCSafePointRequest.newBuilder()
            .setHeader(header()).setServiceId(ByteString.copyFromUtf8(serviceId)).setTTL(ttlSeconds)
            .setSafePoint(safePoint).build()),
        Pdpb.UpdateServiceGCSafePointResponse::getHeader, false).getMinSafePoint();
  }

  /** PD's GC safe point: reads below it are refused. */
  public long getGcSafePoint() {
    return call("GetGCSafePoint",
        stub -> stub.getGCSafePoint(Pdpb.GetGCSafePointRequest.newBuilder().setHeader(header()).build()),
        Pdpb.GetGCSafePointResponse::getHeader, false).getSafePoint();
  }

  /** Every store PD knows, optionally without the removed (tombstone) ones. */
  public List<Metapb.Store> getAllStores(boolean excludeTombstones) {
    return call("GetAllStores",
        stub -> stub.getAllStores(Pdpb.GetAllStoresRequest.newBuilder()
            .setHeader(header()).setExcludeTombstoneStores(excludeTombstones).build()),
        Pdpb.GetAllStoresResponse::getHeader, false).getStoresList();
  }

  /**
   * A fresh timestamp, {@code physical << 18 | logical}. Each one this client hands out is larger than
   * the one before (checked: a PD going backwards is reported, not passed on).
   *
   * <p>Callers that ask at the same time share one round trip: whoever holds the stream asks PD for as
   * many consecutive timestamps as there are waiting callers and hands them out in arrival order.
   */
  public long getTimestamp() {
    CompletableFuture<Long> mine = new CompletableFuture<>();
    tsoWaiters.add(mine);
    synchronized (tsoLock) {
      if (!mine.isDone()) {
        List<CompletableFuture<Long>> batch = new ArrayList<>();
        for (CompletableFuture<Long> waiter; (waiter = tsoWaiters.poll()) != null; ) {
          batch.add(waiter);
        }
        try {
          long last = fetchTimestamps(batch.size());
          for (int i = 0; i < batch.size(); i++) {
            batch.get(i).complete(last - (batch.size() - 1 - i));
          }
        } catch (RuntimeException e) {
          batch.forEach(waiter -> waiter.completeExceptionally(e));
        }
      }
    }
    try {
      return mine.join();
    } catch (CompletionException e) {
      // Re-thrown per caller, so that each stack trace shows its own caller.
      if (e.getCause() instanceof PdException pd) {
        throw new PdException(pd.getMessage(), pd);
      }
      if (e.getCause() instanceof RuntimeException cause) {
        throw cause;
      }
      throw e;
    }
  }

  /** For tests: how many callers are queued for a timestamp. */
  int timestampWaiters() {
    return tsoWaiters.size();
  }

  /** Asks PD for {@code count} consecutive timestamps; returns the largest. Called under tsoLock. */
  private long fetchTimestamps(int count) {
    Backoff backoff = new Backoff(clock, config.backoffBudgetMs());
    Pdpb.TsoRequest request = Pdpb.TsoRequest.newBuilder().setCount(count).build();
    while (true) {
      Leader current = leader;
      try {
        if (tsoStream == null || !tsoStream.address().equals(current.address())) {
          closeTsoStream();
          tsoStream = new TsoStream(current.address(), PDGrpc.newStub(channels.get(current.address())));
        }
        Pdpb.TsoResponse response = tsoStream.request(
            request.toBuilder().setHeader(header(current)).build(), config.pdTimeoutMs());
        checkHeader("Tso", current, response.getHeader());
        return acceptTimestamps(response.getTimestamp(), count, current);
      } catch (StatusRuntimeException e) {
        closeTsoStream();
        retryOrThrow("Tso", current, e, backoff);
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
        closeTsoStream();
        throw new PdException("interrupted while waiting for a timestamp from PD at " + current.address());
      }
    }
  }

  @Override
  public void close() {
    synchronized (tsoLock) {
      closeTsoStream();
    }
    if (ownsChannels) {
      channels.close();
    }
  }

  /**
   * Checks the largest of {@code count} consecutive timestamps: well formed, and its whole range after
   * everything handed out before. Called under tsoLock.
   */
  private long acceptTimestamps(Pdpb.Timestamp timestamp, int count, Leader from) {
    if (timestamp.getPhysical() < 0 || timestamp.getLogical() < count - 1 || timestamp.getLogical() >= MAX_LOGICAL) {
      throw new PdException("PD at " + from.address() + " sent a malformed timestamp for count " + count
          + ": " + timestamp.toString().strip().replace('\n', ' '));
    }
    long last = timestamp.getPhysical() << LOGICAL_BITS | timestamp.getLogical();
    long first = last - (count - 1);
    if (first <= lastTimestamp) {
      throw new PdException("PD at " + from.address() + " sent timestamp " + first
          + ", not after the previous one " + lastTimestamp);
    }
    lastTimestamp = last;
    return last;
  }

  private void closeTsoStream() {
    if (tsoStream != null) {
      tsoStream.close();
      tsoStream = null;
    }
  }

  private Optional<RegionInfo> regionOf(Pdpb.GetRegionResponse response) {
    if (!response.hasRegion() || response.getRegion().getId() == 0) {
      return Optional.empty();
    }
    return Optional.of(new RegionInfo(keyCodec.fromCluster(response.getRegion()), response.getLeader()));
  }

  /**
   * Runs a unary call against the leader, retrying on transport trouble.
   *
   * @param regionNotFoundIsEmpty whether a REGION_NOT_FOUND header error is an answer ("no such
   *                              region"), which the caller reads from the response, or a failure
   */
  private <T> T call(String method, Function<PDGrpc.PDBlockingStub, T> rpc,
      Function<T, Pdpb.ResponseHeader> headerOf, boolean regionNotFoundIsEmpty) {
    Backoff backoff = new Backoff(clock, config.backoffBudgetMs());
    while (true) {
      Leader current = leader;
      PDGrpc.PDBlockingStub stub = PDGrpc.newBlockingStub(channels.get(current.address()))
          .withDeadlineAfter(config.pdTimeoutMs(), TimeUnit.MILLISECONDS);
      T response;
      try {
        response = rpc.apply(stub);
      } catch (StatusRuntimeException e) {
        retryOrThrow(method, current, e, backoff);
        continue;
      }
      Pdpb.ResponseHeader header = headerOf.apply(response);
      if (!(regionNotFoundIsEmpty && header.getError().getType() == Pdpb.ErrorType.REGION_NOT_FOUND)) {
        checkHeader(method, current, header);
      }
      return response;
    }
  }

  /** Backs off and re-discovers the leader if the failure is worth retrying; throws otherwise. */
  private void retryOrThrow(String method, Leader current, StatusRuntimeException e, Backoff backoff) {
    String reason = Failures.describe(e, config.pdTimeoutMs());
    if (!isRetryable(e.getStatus().getCode())) {
      throw new PdException(method + " failed at PD " + current.address() + ": " + reason, e);
    }
    LOG.debug("{} at PD {} failed ({}); refreshing the PD leader", method, current.address(), reason);
    if (!backoff.sleepThenRetry(BackoffKind.PD_UNREACHABLE, method + " at " + current.address() + ": " + reason, 0)) {
      throw new PdException("cannot reach PD at " + current.address() + ": " + backoff.givingUpMessage(), e);
    }
    refreshLeader(current);
  }

  /**
   * PD reads and TSO requests change nothing a retry could repeat, so a deadline is as safe to retry as
   * an unreachable server. A follower PD answers UNAVAILABLE ("not leader").
   */
  private static boolean isRetryable(Status.Code code) {
    return code == Status.Code.UNAVAILABLE || code == Status.Code.DEADLINE_EXCEEDED;
  }

  private void checkHeader(String method, Leader current, Pdpb.ResponseHeader header) {
    if (header.hasError() && header.getError().getType() != Pdpb.ErrorType.OK) {
      throw new PdException(method + " failed at PD " + current.address() + ": "
          + Failures.describe(header.getError()));
    }
  }

  private Pdpb.RequestHeader header() {
    return header(leader);
  }

  private static Pdpb.RequestHeader header(Leader current) {
    return Pdpb.RequestHeader.newBuilder().setClusterId(current.clusterId()).build();
  }

  /** Re-discovers the leader unless another thread already replaced {@code stale}; keeps it on failure. */
  private synchronized void refreshLeader(Leader stale) {
    if (leader != stale) {
      return;
    }
    try {
      Leader found = discoverLeader();
      if (!found.equals(stale)) {
        LOG.info("PD leader is now {} (was {})", found.address(), stale.address());
      }
      leader = found;
    } catch (PdException e) {
      LOG.debug("PD leader refresh failed: {}", e.getMessage());
    }
  }

  /** Asks every known PD address for the members until one names a leader. */
  private Leader discoverLeader() {
    List<String> candidates;
    synchronized (knownAddresses) {
      candidates = List.copyOf(knownAddresses);
    }
    Map<String, String> failures = new LinkedHashMap<>();
    for (String address : candidates) {
      Pdpb.GetMembersResponse members;
      try {
        members = PDGrpc.newBlockingStub(channels.get(address))
            .withDeadlineAfter(config.pdTimeoutMs(), TimeUnit.MILLISECONDS)
            .getMembers(Pdpb.GetMembersRequest.getDefaultInstance());
      } catch (StatusRuntimeException e) {
        failures.put(address, Failures.describe(e, config.pdTimeoutMs()));
        continue;
      }
      if (members.getHeader().hasError() && members.getHeader().getError().getType() != Pdpb.ErrorType.OK) {
        failures.put(address, Failures.describe(members.getHeader().getError()));
        continue;
      }
      learnMembers(members);
      if (!members.hasLeader() || members.getLeader().getClientUrlsCount() == 0) {
        failures.put(address, "PD has no leader");
        continue;
      }
      String leaderAddress = Addresses.stripScheme(members.getLeader().getClientUrls(0));
      return new Leader(leaderAddress, members.getHeader().getClusterId());
    }
    throw new PdException(unreachableMessage(failures));
  }

  private void learnMembers(Pdpb.GetMembersResponse members) {
    synchronized (knownAddresses) {
      for (Pdpb.Member member : members.getMembersList()) {
        for (String url : member.getClientUrlsList()) {
          knownAddresses.add(Addresses.stripScheme(url));
        }
      }
    }
  }

  /** "cannot reach PD at a:1: connection refused", or one reason per address when they differ. */
  private static String unreachableMessage(Map<String, String> failures) {
    String addresses = String.join(", ", failures.keySet());
    Set<String> reasons = new LinkedHashSet<>(failures.values());
    if (reasons.size() == 1) {
      return "cannot reach PD at " + addresses + ": " + reasons.iterator().next();
    }
    List<String> each = new ArrayList<>();
    failures.forEach((address, reason) -> each.add(address + ": " + reason));
    return "cannot reach PD at " + addresses + " (" + String.join("; ", each) + ")";
  }
}
