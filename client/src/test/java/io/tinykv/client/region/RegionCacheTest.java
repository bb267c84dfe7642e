package io.tinykv.client.region;

import static io.tinykv.client.FakeCluster.utf8;
import static org.assertj.core.api.Assertions.assertThat;

import com.google.protobuf.ByteString;
import io.tinykv.client.FakeClock;
import io.tinykv.client.FakeCluster;
import io.tinykv.client.FakeEnv;
import io.tinykv.client.pd.PdClient;
import io.tinykv.proto.Metapb;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

class RegionCacheTest {
    private FakeEnv env;
    private PdClient pd;
    private RegionCache cache;

    @BeforeEach
    void setUp() {
        env = new FakeEnv(FakeCluster.threeRegions());
        pd = PdClient.connect(env.config(1_000), env.channelFactory(), new FakeClock());
        cache = new RegionCache(pd);
    }

    @AfterEach
    void tearDown() {
        pd.close();
        env.close();
    }

    private static RegionInfo region(long id, String start, String end, long version) {
        return new RegionInfo(
                Metapb.Region.newBuilder()
                        .setId(id)
                        .setStartKey(utf8(start))
                        .setEndKey(utf8(end))
                        .setRegionEpoch(Metapb.RegionEpoch.newBuilder().setVersion(version))
                        .build(),
                Metapb.Peer.getDefaultInstance());
    }

    @Test
    void locatesFromPdOnceThenFromTheCache() {
        assertThat(cache.locate(utf8("h")).orElseThrow().id()).isEqualTo(2);
        assertThat(cache.locate(utf8("o")).orElseThrow().id()).isEqualTo(2);
        assertThat(cache.locate(utf8("g")).orElseThrow().id()).isEqualTo(2);

        assertThat(env.pd().calls("GetRegion")).isEqualTo(1);
    }

    @Test
    void insertingARegionEvictsEveryRegionItOverlaps() {
        cache.put(region(1, "a", "c", 1));
        cache.put(region(2, "c", "f", 1));
        cache.put(region(3, "f", "k", 1));
        cache.put(region(4, "k", "", 1));

        cache.put(region(9, "b", "g", 2));

        assertThat(cache.size()).isEqualTo(2);
        assertThat(cache.locate(utf8("d")).orElseThrow().id()).isEqualTo(9);
        assertThat(cache.locate(utf8("x")).orElseThrow().id()).isEqualTo(4);
        assertThat(env.pd().calls("GetRegion")).isZero();
    }

    @Test
    void invalidateKeepsANewerEntry() {
        RegionInfo old = region(1, "a", "c", 1);
        RegionInfo newer = region(1, "a", "c", 2);
        cache.put(newer);

        cache.invalidate(old);
        assertThat(cache.size()).isEqualTo(1);

        cache.invalidate(newer);
        assertThat(cache.size()).isZero();
    }

    @Test
    void locateBeforeFindsTheRegionBelowABoundary() {
        assertThat(cache.locateBefore(ByteString.EMPTY, ByteString.EMPTY)
                        .orElseThrow()
                        .id())
                .isEqualTo(3);
        assertThat(cache.locateBefore(utf8("p"), ByteString.EMPTY).orElseThrow().id())
                .isEqualTo(2);
        assertThat(cache.locateBefore(utf8("h"), utf8("a")).orElseThrow().id()).isEqualTo(2);
        assertThat(cache.locateBefore(utf8("g"), utf8("a")).orElseThrow().id()).isEqualTo(1);
        // all of these came from the cache filled by the first scan
        assertThat(env.pd().calls("ScanRegions")).isEqualTo(1);
    }

    @Test
    void leaderUpdatesApplyOnlyToTheSameEpoch() {
        RegionInfo cached = cache.locate(utf8("a")).orElseThrow();
        Metapb.Peer newLeader = cached.region().getPeers(2);

        cache.updateLeader(region(1, "", "g", 99), cached.region().getPeers(1));
        assertThat(cache.locate(utf8("a")).orElseThrow().leader()).isEqualTo(cached.leader());

        cache.updateLeader(cached, newLeader);
        assertThat(cache.locate(utf8("a")).orElseThrow().leader()).isEqualTo(newLeader);
    }
}
