package io.tinykv.client;

import com.google.protobuf.ByteString;
import io.tinykv.proto.Errorpb;
import io.tinykv.proto.MemComparableCodec;
import io.tinykv.proto.Metapb;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Deque;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.NavigableMap;
import java.util.TreeMap;

/**
 * The truth of a fake TinyKV cluster: its regions (with leaders), stores, data, and the faults a test
 * arranges. {@link FakePd} and {@link FakeStore} serve from it; PD may be told a stale leader to model
 * a PD that lags behind the stores. All methods synchronize on the cluster.
 */
public final class FakeCluster {
    /** A region as it really is, and the store of its leader. */
    public record Region(Metapb.Region meta, long leaderStoreId) {
        /** The leader peer, or the default instance (id 0) when the region has none. */
        Metapb.Peer leaderPeer() {
            return leaderStoreId == 0 ? Metapb.Peer.getDefaultInstance() : peerOn(leaderStoreId);
        }

        public Metapb.Peer peerOn(long storeId) {
            return meta.getPeersList().stream()
                    .filter(p -> p.getStoreId() == storeId)
                    .findFirst()
                    .orElseThrow();
        }

        public boolean contains(ByteString key) {
            return Keys.compare(key, meta.getStartKey()) >= 0 && Keys.belowEnd(key, meta.getEndKey());
        }
    }

    /** One request a store received, for assertions on routing. */
    public record Received(long storeId, String method, long regionId, List<ByteString> keys) {}

    private final NavigableMap<ByteString, Region> regionsByStart = new TreeMap<>(Keys.ORDER);
    private final Map<Long, String> storeAddresses = new HashMap<>();
    private final Map<String, NavigableMap<ByteString, ByteString>> data = new HashMap<>();
    private final Map<Long, Long> stalePdLeaders = new HashMap<>();
    private final Map<Long, Deque<Errorpb.Error>> injectedRegionErrors = new HashMap<>();
    private final Deque<String> injectedKvErrors = new ArrayDeque<>();
    private final List<Received> received = new ArrayList<>();
    private final Map<Long, List<io.tinykv.proto.Pdpb.PeerStats>> downPeers = new HashMap<>();
    private final Map<Long, Long> lastHeartbeatsNs = new HashMap<>();
    private boolean notLeaderHints = true;
    private boolean epochNotMatchCarriesRegions = true;
    private long nextId = 1_000;
    /**
     * Whether the data is transactional: region boundaries are then memcomparable-encoded user keys
     * (as a real cluster splits transactional data), and user keys in requests are checked encoded.
     */
    private boolean encodedBoundaries;

    /** Stores 1..n at "store-i:20160" and one region covering everything, led by store 1. */
    public static FakeCluster singleRegion(int stores) {
        FakeCluster cluster = new FakeCluster();
        for (long id = 1; id <= stores; id++) {
            cluster.storeAddresses.put(id, "store-" + id + ":20160");
        }
        cluster.addRegion(1, ByteString.EMPTY, ByteString.EMPTY, 1);
        return cluster;
    }

    /**
     * Three stores and three regions ["", "g"), ["g", "p"), ["p", "") with ids 1, 2, 3, led by stores
     * 1, 2 and 3 respectively.
     */
    public static FakeCluster threeRegions() {
        FakeCluster cluster = new FakeCluster();
        for (long id = 1; id <= 3; id++) {
            cluster.storeAddresses.put(id, "store-" + id + ":20160");
        }
        cluster.addRegion(1, ByteString.EMPTY, utf8("g"), 1);
        cluster.addRegion(2, utf8("g"), utf8("p"), 2);
        cluster.addRegion(3, utf8("p"), ByteString.EMPTY, 3);
        return cluster;
    }

    /**
     * {@link #threeRegions()} holding transactional data: the boundaries are the encoded user keys "g"
     * and "p", as a real cluster splits transactional data; {@link #split} takes user keys.
     */
    public static FakeCluster threeTxnRegions() {
        FakeCluster cluster = new FakeCluster();
        cluster.encodedBoundaries = true;
        for (long id = 1; id <= 3; id++) {
            cluster.storeAddresses.put(id, "store-" + id + ":20160");
        }
        cluster.addRegion(1, ByteString.EMPTY, MemComparableCodec.encode(utf8("g")), 1);
        cluster.addRegion(2, MemComparableCodec.encode(utf8("g")), MemComparableCodec.encode(utf8("p")), 2);
        cluster.addRegion(3, MemComparableCodec.encode(utf8("p")), ByteString.EMPTY, 3);
        return cluster;
    }

    /** A user key as region boundaries name it. */
    private ByteString boundaryOf(ByteString key) {
        return encodedBoundaries ? MemComparableCodec.encode(key) : key;
    }

    public static ByteString utf8(String s) {
        return ByteString.copyFromUtf8(s);
    }

    private void addRegion(long id, ByteString start, ByteString end, long leaderStore) {
        Metapb.Region.Builder meta = Metapb.Region.newBuilder()
                .setId(id)
                .setStartKey(start)
                .setEndKey(end)
                .setRegionEpoch(Metapb.RegionEpoch.newBuilder().setConfVer(1).setVersion(1));
        for (long storeId : storeAddresses.keySet().stream().sorted().toList()) {
            meta.addPeers(Metapb.Peer.newBuilder().setId(id * 100 + storeId).setStoreId(storeId));
        }
        regionsByStart.put(start, new Region(meta.build(), leaderStore));
    }

    // ---- arranging faults and changes ----

    /** Splits the region containing {@code key} at {@code key}; the new right half gets a fresh id. */
    public synchronized long split(ByteString userKey) {
        ByteString key = boundaryOf(userKey);
        Region old = regionContaining(key);
        if (old.meta().getStartKey().equals(key)) {
            throw new IllegalArgumentException("already a boundary");
        }
        Metapb.RegionEpoch epoch = old.meta().getRegionEpoch().toBuilder()
                .setVersion(old.meta().getRegionEpoch().getVersion() + 1)
                .build();
        long newId = nextId++;
        Metapb.Region left =
                old.meta().toBuilder().setEndKey(key).setRegionEpoch(epoch).build();
        Metapb.Region.Builder right = old.meta().toBuilder()
                .setId(newId)
                .setStartKey(key)
                .setRegionEpoch(epoch)
                .clearPeers();
        for (Metapb.Peer peer : old.meta().getPeersList()) {
            right.addPeers(peer.toBuilder().setId(newId * 100 + peer.getStoreId()));
        }
        regionsByStart.put(left.getStartKey(), new Region(left, old.leaderStoreId()));
        regionsByStart.put(key, new Region(right.build(), old.leaderStoreId()));
        return newId;
    }

    /** Moves the leadership of a region (PD learns it too, unless told otherwise). */
    public synchronized void transferLeader(long regionId, long storeId) {
        Region region = regionById(regionId);
        regionsByStart.put(region.meta().getStartKey(), new Region(region.meta(), storeId));
    }

    /** Makes PD report {@code storeId} as the leader of the region, whatever the truth. */
    public synchronized void pdBelievesLeader(long regionId, long storeId) {
        stalePdLeaders.put(regionId, storeId);
    }

    /** The next {@code times} requests that reach store {@code storeId} fail with {@code error}. */
    public synchronized void injectRegionError(long storeId, Errorpb.Error error, int times) {
        Deque<Errorpb.Error> queue = injectedRegionErrors.computeIfAbsent(storeId, id -> new ArrayDeque<>());
        for (int i = 0; i < times; i++) {
            queue.add(error);
        }
    }

    /** The next write request fails with this error string in the response. */
    public synchronized void injectKvError(String message) {
        injectedKvErrors.add(message);
    }

    public synchronized void setNotLeaderHints(boolean enabled) {
        notLeaderHints = enabled;
    }

    public synchronized void setEpochNotMatchCarriesRegions(boolean enabled) {
        epochNotMatchCarriesRegions = enabled;
    }

    /** Makes PD report the peer of region {@code regionId} on {@code storeId} as down that long. */
    public synchronized void reportDownPeer(long regionId, long storeId, long downSeconds) {
        downPeers
                .computeIfAbsent(regionId, id -> new ArrayList<>())
                .add(io.tinykv.proto.Pdpb.PeerStats.newBuilder()
                        .setPeer(regionById(regionId).peerOn(storeId))
                        .setDownSeconds(downSeconds)
                        .build());
    }

    /** Makes PD report this last heartbeat (Unix nanoseconds) for the store. */
    public synchronized void setLastHeartbeatNs(long storeId, long unixNanos) {
        lastHeartbeatsNs.put(storeId, unixNanos);
    }

    /** Leaves a region without a leader (PD reports none; stores answer not_leader without a hint). */
    public synchronized void setNoLeader(long regionId) {
        Region region = regionById(regionId);
        regionsByStart.put(region.meta().getStartKey(), new Region(region.meta(), 0));
    }

    public synchronized void setStoreAddress(long storeId, String address) {
        storeAddresses.put(storeId, address);
    }

    // ---- what the fakes serve ----

    synchronized Region regionContaining(ByteString key) {
        Region region = regionsByStart.floorEntry(key).getValue();
        if (!region.contains(key)) {
            throw new IllegalStateException("no region for key");
        }
        return region;
    }

    public synchronized Region regionById(long id) {
        return regionsByStart.values().stream()
                .filter(r -> r.meta().getId() == id)
                .findFirst()
                .orElse(null);
    }

    synchronized List<Region> regions() {
        return List.copyOf(regionsByStart.values());
    }

    /** The region as PD reports it: the truth, except for leaders PD was told to believe. */
    synchronized Region pdView(Region region) {
        Long stale = stalePdLeaders.get(region.meta().getId());
        return stale == null ? region : new Region(region.meta(), stale);
    }

    synchronized List<io.tinykv.proto.Pdpb.PeerStats> downPeers(long regionId) {
        return List.copyOf(downPeers.getOrDefault(regionId, List.of()));
    }

    synchronized long lastHeartbeatNs(long storeId) {
        return lastHeartbeatsNs.getOrDefault(storeId, 0L);
    }

    synchronized String storeAddress(long storeId) {
        return storeAddresses.get(storeId);
    }

    public synchronized List<Long> storeIds() {
        return storeAddresses.keySet().stream().sorted().toList();
    }

    public synchronized NavigableMap<ByteString, ByteString> cf(String name) {
        return data.computeIfAbsent(name.isEmpty() ? "default" : name, n -> new TreeMap<>(Keys.ORDER));
    }

    synchronized String takeKvError() {
        return injectedKvErrors.poll();
    }

    /**
     * What a real store checks before serving: injected faults, then region id, epoch, leadership and
     * that every key lies in the region. Returns null when the request may be served.
     */
    public synchronized Errorpb.Error check(
            long storeId, String method, io.tinykv.proto.Kvrpcpb.Context ctx, List<ByteString> keys) {
        received.add(new Received(storeId, method, ctx.getRegionId(), List.copyOf(keys)));
        Deque<Errorpb.Error> injected = injectedRegionErrors.get(storeId);
        if (injected != null && !injected.isEmpty()) {
            return injected.poll();
        }
        Region region = regionById(ctx.getRegionId());
        if (region == null) {
            return Errorpb.Error.newBuilder()
                    .setMessage("region not found")
                    .setRegionNotFound(Errorpb.RegionNotFound.newBuilder().setRegionId(ctx.getRegionId()))
                    .build();
        }
        if (!region.meta().getRegionEpoch().equals(ctx.getRegionEpoch())) {
            Errorpb.EpochNotMatch.Builder epoch = Errorpb.EpochNotMatch.newBuilder();
            if (epochNotMatchCarriesRegions) {
                regionsByStart.values().forEach(r -> epoch.addCurrentRegions(r.meta()));
            }
            return Errorpb.Error.newBuilder()
                    .setMessage("epoch not match")
                    .setEpochNotMatch(epoch)
                    .build();
        }
        if (region.leaderStoreId() != storeId) {
            Errorpb.NotLeader.Builder notLeader =
                    Errorpb.NotLeader.newBuilder().setRegionId(region.meta().getId());
            if (notLeaderHints && region.leaderStoreId() != 0) {
                notLeader.setLeader(region.peerOn(region.leaderStoreId()));
            }
            return Errorpb.Error.newBuilder()
                    .setMessage("not leader")
                    .setNotLeader(notLeader)
                    .build();
        }
        for (ByteString key : keys) {
            if (!region.contains(boundaryOf(key))) {
                return Errorpb.Error.newBuilder()
                        .setMessage("key not in region")
                        .setKeyNotInRegion(Errorpb.KeyNotInRegion.newBuilder()
                                .setKey(key)
                                .setRegionId(region.meta().getId())
                                .setStartKey(region.meta().getStartKey())
                                .setEndKey(region.meta().getEndKey()))
                        .build();
            }
        }
        return null;
    }

    /** Every request the stores received so far, oldest first. */
    public synchronized List<Received> received() {
        return List.copyOf(received);
    }

    public synchronized void clearReceived() {
        received.clear();
    }
}
