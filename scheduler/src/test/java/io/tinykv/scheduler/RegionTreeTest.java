package io.tinykv.scheduler;

import static io.tinykv.scheduler.Fixtures.epoch;
import static io.tinykv.scheduler.Fixtures.key;
import static io.tinykv.scheduler.Fixtures.region;
import static org.assertj.core.api.Assertions.assertThat;

import org.junit.jupiter.api.Test;

class RegionTreeTest {

    private static RegionInfo r(long id, String start, String end) {
        return RegionInfo.of(region(id, start, end, epoch(1, 1), new long[] {id * 10}, new long[] {1}), null);
    }

    private final RegionTree tree = new RegionTree();

    @Test
    void findsTheRegionOfAKeyAndNothingInGaps() {
        tree.put(r(1, "", "c"));
        tree.put(r(2, "c", "f"));
        tree.put(r(3, "k", ""));
        assertThat(tree.find(key("")).orElseThrow().id()).isEqualTo(1);
        assertThat(tree.find(key("b")).orElseThrow().id()).isEqualTo(1);
        assertThat(tree.find(key("c")).orElseThrow().id()).isEqualTo(2);
        assertThat(tree.find(key("g"))).isEmpty();
        assertThat(tree.find(key("zzz")).orElseThrow().id()).isEqualTo(3);
    }

    @Test
    void putRemovesAndReturnsWhatTheNewRegionOverlaps() {
        tree.put(r(1, "", "c"));
        tree.put(r(2, "c", "f"));
        tree.put(r(3, "f", ""));
        assertThat(tree.put(r(4, "b", "g"))).extracting(RegionInfo::id).containsExactly(1L, 2L, 3L);
        assertThat(tree.size()).isEqualTo(1);
        assertThat(tree.put(r(5, "g", ""))).isEmpty();
        assertThat(tree.put(r(6, "a", "b"))).isEmpty();
        assertThat(tree.scan(key(""), key(""), 0)).extracting(RegionInfo::id).containsExactly(6L, 4L, 5L);
    }

    @Test
    void adjacentRangesDoNotOverlap() {
        tree.put(r(1, "", "c"));
        assertThat(tree.overlapping(key("c"), key("d"))).isEmpty();
        assertThat(tree.overlapping(key("b"), key("c")))
                .extracting(RegionInfo::id)
                .containsExactly(1L);
    }

    @Test
    void scanStartsAtTheRegionHoldingTheStartKeyAndHonoursEndAndLimit() {
        tree.put(r(1, "", "c"));
        tree.put(r(2, "c", "f"));
        tree.put(r(3, "f", ""));
        assertThat(tree.scan(key("d"), key(""), 0)).extracting(RegionInfo::id).containsExactly(2L, 3L);
        assertThat(tree.scan(key("a"), key("f"), 0)).extracting(RegionInfo::id).containsExactly(1L, 2L);
        assertThat(tree.scan(key(""), key(""), 2)).extracting(RegionInfo::id).containsExactly(1L, 2L);
    }

    @Test
    void prevIsTheRegionBeforeTheOneHoldingTheKey() {
        tree.put(r(1, "", "c"));
        tree.put(r(2, "c", "f"));
        tree.put(r(3, "k", ""));
        assertThat(tree.prev(key("d")).orElseThrow().id()).isEqualTo(1);
        assertThat(tree.prev(key("a"))).isEmpty();
        assertThat(tree.prev(key("h")).orElseThrow().id()).isEqualTo(2);
        assertThat(tree.prev(key("z")).orElseThrow().id()).isEqualTo(2);
    }

    @Test
    void removeOnlyRemovesTheSameRegion() {
        RegionInfo one = r(1, "", "c");
        tree.put(one);
        tree.remove(r(9, "", "c"));
        assertThat(tree.size()).isEqualTo(1);
        tree.remove(one);
        assertThat(tree.size()).isZero();
    }
}
