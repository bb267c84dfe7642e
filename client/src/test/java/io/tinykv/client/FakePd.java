package io.tinykv.client;

import io.grpc.Status;
import io.grpc.stub.StreamObserver;
import io.tinykv.proto.Metapb;
import io.tinykv.proto.PDGrpc;
import io.tinykv.proto.Pdpb;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicReference;

/**
 * One fake PD member. Members share a {@link Membership} (who leads) and a timestamp oracle; a member
 * that does not lead answers everything but GetMembers with UNAVAILABLE "not leader", as PD does.
 */
public final class FakePd extends PDGrpc.PDImplBase {
    public static final long CLUSTER_ID = 7_000_001;

    /** Which member leads, by address; all members of one fake PD cluster share one. */
    public static final class Membership {
        final List<String> addresses;
        final AtomicReference<String> leader;
        /** Shared by all members, like PD's persisted TSO window: never goes backwards across leaders. */
        private long physicalMs = TSO_PHYSICAL_BASE_MS;

        private long logical;

        /**
         * The largest of {@code count} consecutive timestamps. As in PD, all of them share one physical
         * part: when the logical part would overflow, the physical part moves on instead.
         */
        /** Makes the oracle go back in time, as a broken PD would. */
        synchronized void rewind(long millis) {
            physicalMs -= millis;
        }

        synchronized Pdpb.Timestamp nextTimestamps(int count) {
            if (logical + count >= LOGICALS_PER_MS) {
                physicalMs++;
                logical = 0;
            }
            logical += count;
            return Pdpb.Timestamp.newBuilder()
                    .setPhysical(physicalMs)
                    .setLogical(logical)
                    .build();
        }

        public Membership(List<String> addresses) {
            this.addresses = List.copyOf(addresses);
            this.leader = new AtomicReference<>(addresses.get(0));
        }
    }

    private static final long TSO_PHYSICAL_BASE_MS = 1_700_000_000_000L;
    /** Small, so that tests cross into the next physical millisecond often. */
    private static final long LOGICALS_PER_MS = 100;

    private static final long GATE_TIMEOUT_SECONDS = 60;

    private final FakeCluster cluster;
    private final String address;
    private final Membership membership;
    private final Map<String, AtomicInteger> calls = new ConcurrentHashMap<>();
    private final List<Integer> tsoCounts = new CopyOnWriteArrayList<>();
    /** When set, the next TSO request waits for this latch before it is answered. */
    private final AtomicReference<CountDownLatch> tsoGate = new AtomicReference<>();

    public FakePd(FakeCluster cluster, String address, Membership membership) {
        this.cluster = cluster;
        this.address = address;
        this.membership = membership;
    }

    /** Holds the next TSO request until the returned latch is opened. */
    public CountDownLatch holdNextTso() {
        CountDownLatch gate = new CountDownLatch(1);
        tsoGate.set(gate);
        return gate;
    }

    /** The count of every TSO request answered, in order. */
    public List<Integer> tsoCounts() {
        return List.copyOf(tsoCounts);
    }

    public int calls(String method) {
        AtomicInteger count = calls.get(method);
        return count == null ? 0 : count.get();
    }

    private boolean rejectUnlessLeader(String method, StreamObserver<?> observer) {
        calls.computeIfAbsent(method, m -> new AtomicInteger()).incrementAndGet();
        if (!address.equals(membership.leader.get())) { // also when there is no leader
            observer.onError(Status.UNAVAILABLE.withDescription("not leader").asRuntimeException());
            return true;
        }
        return false;
    }

    private static Pdpb.ResponseHeader header() {
        return Pdpb.ResponseHeader.newBuilder().setClusterId(CLUSTER_ID).build();
    }

    private static Pdpb.Member member(String address) {
        return Pdpb.Member.newBuilder()
                .setName(address)
                .addClientUrls("http://" + address)
                .build();
    }

    @Override
    public void getMembers(Pdpb.GetMembersRequest request, StreamObserver<Pdpb.GetMembersResponse> observer) {
        calls.computeIfAbsent("GetMembers", m -> new AtomicInteger()).incrementAndGet();
        Pdpb.GetMembersResponse.Builder response =
                Pdpb.GetMembersResponse.newBuilder().setHeader(header());
        String leader = membership.leader.get();
        if (leader != null) { // null: the members are still electing one
            response.setLeader(member(leader));
        }
        membership.addresses.forEach(a -> response.addMembers(member(a)));
        observer.onNext(response.build());
        observer.onCompleted();
    }

    @Override
    public void getRegion(Pdpb.GetRegionRequest request, StreamObserver<Pdpb.GetRegionResponse> observer) {
        if (rejectUnlessLeader("GetRegion", observer)) {
            return;
        }
        FakeCluster.Region region = cluster.pdView(cluster.regionContaining(request.getRegionKey()));
        observer.onNext(Pdpb.GetRegionResponse.newBuilder()
                .setHeader(header())
                .setRegion(region.meta())
                .setLeader(region.peerOn(region.leaderStoreId()))
                .build());
        observer.onCompleted();
    }

    @Override
    public void getRegionByID(Pdpb.GetRegionByIDRequest request, StreamObserver<Pdpb.GetRegionResponse> observer) {
        if (rejectUnlessLeader("GetRegionByID", observer)) {
            return;
        }
        FakeCluster.Region region = cluster.regionById(request.getRegionId());
        Pdpb.GetRegionResponse.Builder response =
                Pdpb.GetRegionResponse.newBuilder().setHeader(header());
        if (region != null) {
            region = cluster.pdView(region);
            response.setRegion(region.meta()).setLeader(region.peerOn(region.leaderStoreId()));
        }
        observer.onNext(response.build());
        observer.onCompleted();
    }

    @Override
    public void scanRegions(Pdpb.ScanRegionsRequest request, StreamObserver<Pdpb.ScanRegionsResponse> observer) {
        if (rejectUnlessLeader("ScanRegions", observer)) {
            return;
        }
        Pdpb.ScanRegionsResponse.Builder response =
                Pdpb.ScanRegionsResponse.newBuilder().setHeader(header());
        for (FakeCluster.Region region : cluster.regions()) {
            boolean endsAfterStart =
                    Keys.belowEnd(request.getStartKey(), region.meta().getEndKey());
            boolean startsBeforeEnd = Keys.belowEnd(region.meta().getStartKey(), request.getEndKey());
            if (endsAfterStart
                    && startsBeforeEnd
                    && (request.getLimit() == 0 || response.getRegionsCount() < request.getLimit())) {
                FakeCluster.Region seen = cluster.pdView(region);
                response.addRegions(Pdpb.Region.newBuilder()
                        .setRegion(seen.meta())
                        .setLeader(seen.leaderPeer())
                        .addAllDownPeers(cluster.downPeers(seen.meta().getId())));
            }
        }
        observer.onNext(response.build());
        observer.onCompleted();
    }

    @Override
    public void getStore(Pdpb.GetStoreRequest request, StreamObserver<Pdpb.GetStoreResponse> observer) {
        if (rejectUnlessLeader("GetStore", observer)) {
            return;
        }
        String storeAddress = cluster.storeAddress(request.getStoreId());
        Pdpb.GetStoreResponse.Builder response = Pdpb.GetStoreResponse.newBuilder();
        if (storeAddress == null) {
            response.setHeader(header().toBuilder()
                    .setError(Pdpb.Error.newBuilder()
                            .setType(Pdpb.ErrorType.UNKNOWN)
                            .setMessage("invalid store ID " + request.getStoreId())));
        } else {
            response.setHeader(header()).setStore(store(request.getStoreId(), storeAddress));
        }
        observer.onNext(response.build());
        observer.onCompleted();
    }

    @Override
    public void getAllStores(Pdpb.GetAllStoresRequest request, StreamObserver<Pdpb.GetAllStoresResponse> observer) {
        if (rejectUnlessLeader("GetAllStores", observer)) {
            return;
        }
        Pdpb.GetAllStoresResponse.Builder response =
                Pdpb.GetAllStoresResponse.newBuilder().setHeader(header());
        for (long id : cluster.storeIds()) {
            response.addStores(
                    store(id, cluster.storeAddress(id)).toBuilder().setLastHeartbeat(cluster.lastHeartbeatNs(id)));
        }
        observer.onNext(response.build());
        observer.onCompleted();
    }

    private static Metapb.Store store(long id, String storeAddress) {
        return Metapb.Store.newBuilder()
                .setId(id)
                .setAddress(storeAddress)
                .setState(Metapb.StoreState.Up)
                .build();
    }

    @Override
    public StreamObserver<Pdpb.TsoRequest> tso(StreamObserver<Pdpb.TsoResponse> responses) {
        return new StreamObserver<>() {
            @Override
            public void onNext(Pdpb.TsoRequest request) {
                if (rejectUnlessLeader("Tso", responses)) {
                    return;
                }
                CountDownLatch gate = tsoGate.getAndSet(null);
                if (gate != null) {
                    try {
                        if (!gate.await(GATE_TIMEOUT_SECONDS, TimeUnit.SECONDS)) {
                            throw new IllegalStateException("TSO gate never opened");
                        }
                    } catch (InterruptedException e) {
                        Thread.currentThread().interrupt();
                        return;
                    }
                }
                tsoCounts.add(request.getCount());
                responses.onNext(Pdpb.TsoResponse.newBuilder()
                        .setHeader(header())
                        .setCount(request.getCount())
                        .setTimestamp(membership.nextTimestamps(request.getCount()))
                        .build());
            }

            @Override
            public void onError(Throwable t) {
                // The client went away; nothing to clean up.
            }

            @Override
            public void onCompleted() {
                responses.onCompleted();
            }
        };
    }
}
