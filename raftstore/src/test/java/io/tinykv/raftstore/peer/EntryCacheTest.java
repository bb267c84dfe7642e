package io.tinykv.raftstore.peer;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.google.protobuf.ByteString;
import io.tinykv.proto.Eraftpb.Entry;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;

class EntryCacheTest {

    private static Entry entry(long index, long term) {
        return Entry.newBuilder()
                .setIndex(index)
                .setTerm(term)
                .setData(ByteString.copyFromUtf8("x" + index))
                .build();
    }

    private static List<Entry> entries(long from, long to, long term) {
        List<Entry> list = new ArrayList<>();
        for (long i = from; i <= to; i++) {
            list.add(entry(i, term));
        }
        return list;
    }

    private static List<Long> indexes(List<Entry> list) {
        return list == null ? null : list.stream().map(Entry::getIndex).toList();
    }

    @Test
    void appendedEntriesAreServedUntilApplied() {
        EntryCache cache = new EntryCache(1 << 20);
        cache.append(entries(6, 10, 1));
        assertThat(indexes(cache.slice(7, 10, Long.MAX_VALUE))).containsExactly(7L, 8L, 9L);
        assertThat(cache.get(10).getIndex()).isEqualTo(10);
        cache.evictThrough(8);
        assertThat(cache.slice(7, 10, Long.MAX_VALUE))
                .as("applied entries are gone: a miss")
                .isNull();
        assertThat(indexes(cache.slice(9, 11, Long.MAX_VALUE))).containsExactly(9L, 10L);
    }

    @Test
    void aConflictingAppendReplacesTheOverwrittenSuffix() {
        EntryCache cache = new EntryCache(1 << 20);
        cache.append(entries(6, 10, 1));
        cache.append(entries(8, 9, 2));
        assertThat(cache.get(10))
                .as("the old entry after the new last one is gone")
                .isNull();
        assertThat(cache.get(8).getTerm()).isEqualTo(2);
        assertThat(cache.get(7).getTerm()).isEqualTo(1);
        cache.append(entries(3, 4, 3));
        assertThat(cache.get(6))
                .as("an append before everything cached replaces it all")
                .isNull();
        assertThat(cache.size()).isEqualTo(2);
    }

    @Test
    void anAppendAfterAGapStartsOver() {
        EntryCache cache = new EntryCache(1 << 20);
        cache.append(entries(6, 7, 1));
        cache.append(entries(20, 21, 1));
        assertThat(cache.get(7)).isNull();
        assertThat(indexes(cache.slice(20, 22, Long.MAX_VALUE))).containsExactly(20L, 21L);
    }

    @Test
    void theByteBoundDropsTheOldestEntries() {
        long oneEntry = entry(10, 1).getSerializedSize();
        EntryCache cache = new EntryCache(3 * oneEntry);
        cache.append(entries(10, 14, 1));
        assertThat(cache.bytes()).isLessThanOrEqualTo(3 * oneEntry);
        assertThat(cache.get(11)).isNull();
        assertThat(indexes(cache.slice(12, 15, Long.MAX_VALUE))).containsExactly(12L, 13L, 14L);
    }

    @Test
    void aZeroBoundCachesNothing() {
        EntryCache cache = new EntryCache(0);
        cache.append(entries(1, 3, 1));
        assertThat(cache.size()).isZero();
        assertThat(cache.slice(1, 2, Long.MAX_VALUE)).isNull();
    }

    @Test
    void aSizeLimitedSliceHoldsAtLeastOneEntry() {
        EntryCache cache = new EntryCache(1 << 20);
        cache.append(entries(1, 5, 1));
        assertThat(indexes(cache.slice(2, 5, 1))).containsExactly(2L);
        long two = entry(2, 1).getSerializedSize() + entry(3, 1).getSerializedSize();
        assertThat(indexes(cache.slice(2, 5, two))).containsExactly(2L, 3L);
    }

    @Test
    void aNegativeBoundIsRefused() {
        assertThatThrownBy(() -> new EntryCache(-1))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("maxBytes");
    }
}
