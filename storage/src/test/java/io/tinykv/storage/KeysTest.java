package io.tinykv.storage;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.util.Arrays;
import net.jqwik.api.Arbitraries;
import net.jqwik.api.Arbitrary;
import net.jqwik.api.Example;
import net.jqwik.api.ForAll;
import net.jqwik.api.Property;
import net.jqwik.api.Provide;
import net.jqwik.api.constraints.LongRange;

/** The key layout of DESIGN.md §6: exact bytes, round trips and sort order. */
class KeysTest {

    @Example
    void layoutIsExactlyTheDesignedBytes() {
        assertThat(Keys.raftLogKey(0x0102030405060708L, 0x1112131415161718L))
                .containsExactly(
                        0x01, 0x02, 0x01, 0x02, 0x03, 0x04, 0x05, 0x06, 0x07, 0x08, 0x01, 0x11, 0x12, 0x13, 0x14, 0x15,
                        0x16, 0x17, 0x18);
        assertThat(Keys.raftStateKey(7)).containsExactly(0x01, 0x02, 0, 0, 0, 0, 0, 0, 0, 7, 0x02);
        assertThat(Keys.applyStateKey(7)).containsExactly(0x01, 0x02, 0, 0, 0, 0, 0, 0, 0, 7, 0x03);
        assertThat(Keys.regionStateKey(7)).containsExactly(0x01, 0x03, 0, 0, 0, 0, 0, 0, 0, 7, 0x01);
        assertThat(Keys.STORE_IDENT_KEY).containsExactly(0x01, 0x01);
        assertThat(Keys.PREPARE_BOOTSTRAP_KEY).containsExactly(0x01, 0x02);
        assertThat(Keys.dataKey(new byte[] {5, 6})).containsExactly('z', 5, 6);
    }

    @Property
    void raftLogKeyRoundTrips(@ForAll long regionId, @ForAll long index) {
        byte[] key = Keys.raftLogKey(regionId, index);
        assertThat(Keys.isRaftLogKey(key)).isTrue();
        assertThat(Keys.regionIdOf(key)).isEqualTo(regionId);
        assertThat(Keys.raftLogIndexOf(key)).isEqualTo(index);
    }

    @Property
    void regionIdRoundTripsThroughEveryRegionKey(@ForAll long regionId) {
        assertThat(Keys.regionIdOf(Keys.raftStateKey(regionId))).isEqualTo(regionId);
        assertThat(Keys.regionIdOf(Keys.applyStateKey(regionId))).isEqualTo(regionId);
        assertThat(Keys.regionIdOf(Keys.regionStateKey(regionId))).isEqualTo(regionId);
        assertThat(Keys.isRaftLogKey(Keys.raftStateKey(regionId))).isFalse();
    }

    /** Byte order equals unsigned numeric order: by region first, then by index. */
    @Property
    void raftLogKeysSortByRegionThenIndex(
            @ForAll long regionA, @ForAll long indexA, @ForAll long regionB, @ForAll long indexB) {
        int byKey = Integer.signum(
                Arrays.compareUnsigned(Keys.raftLogKey(regionA, indexA), Keys.raftLogKey(regionB, indexB)));
        int byNumbers = regionA != regionB
                ? Integer.signum(Long.compareUnsigned(regionA, regionB))
                : Integer.signum(Long.compareUnsigned(indexA, indexB));
        assertThat(byKey).isEqualTo(byNumbers);
    }

    /** All of a region's log keys lie in its log range; nothing else of any region does. */
    @Property
    void logRangeHoldsExactlyTheRegionsLogKeys(
            @ForAll("regionIds") long regionId, @ForAll("regionIds") long otherRegionId, @ForAll long index) {
        byte[] start = Keys.raftLogStartKey(regionId);
        byte[] end = Keys.raftLogEndKey(regionId);
        assertThat(inRange(Keys.raftLogKey(regionId, index), start, end)).isTrue();
        assertThat(inRange(Keys.raftStateKey(regionId), start, end)).isFalse();
        assertThat(inRange(Keys.applyStateKey(regionId), start, end)).isFalse();
        assertThat(inRange(Keys.regionStateKey(regionId), start, end)).isFalse();
        assertThat(inRange(Keys.raftLogKey(otherRegionId, index), start, end)).isEqualTo(otherRegionId == regionId);
    }

    @Property
    void regionPrefixesCoverTheRegionsKeysOnly(
            @ForAll("regionIds") long regionId, @ForAll("regionIds") long otherRegionId, @ForAll long index) {
        byte[] raftPrefix = Keys.regionRaftPrefix(regionId);
        byte[] raftEnd = Keys.prefixEnd(raftPrefix);
        boolean same = regionId == otherRegionId;
        assertThat(inRange(Keys.raftLogKey(otherRegionId, index), raftPrefix, raftEnd))
                .isEqualTo(same);
        assertThat(inRange(Keys.raftStateKey(otherRegionId), raftPrefix, raftEnd))
                .isEqualTo(same);
        assertThat(inRange(Keys.applyStateKey(otherRegionId), raftPrefix, raftEnd))
                .isEqualTo(same);
        byte[] metaPrefix = Keys.regionMetaPrefix(regionId);
        assertThat(inRange(Keys.regionStateKey(otherRegionId), metaPrefix, Keys.prefixEnd(metaPrefix)))
                .isEqualTo(same);
        assertThat(inRange(Keys.regionStateKey(regionId), Keys.REGION_META_MIN_KEY, Keys.REGION_META_MAX_KEY))
                .isTrue();
        assertThat(inRange(Keys.applyStateKey(regionId), Keys.REGION_META_MIN_KEY, Keys.REGION_META_MAX_KEY))
                .isFalse();
    }

    /** Local keys sort before every data key; data keys keep the user keys' order. */
    @Property
    void dataKeysRoundTripKeepOrderAndStayAboveLocalKeys(
            @ForAll byte[] userA, @ForAll byte[] userB, @ForAll long regionId) {
        byte[] dataA = Keys.dataKey(userA);
        assertThat(Keys.userKey(dataA)).isEqualTo(userA);
        assertThat(Integer.signum(Arrays.compareUnsigned(dataA, Keys.dataKey(userB))))
                .isEqualTo(Integer.signum(Arrays.compareUnsigned(userA, userB)));
        assertThat(inRange(dataA, Keys.DATA_MIN_KEY, Keys.DATA_MAX_KEY)).isTrue();
        assertThat(Arrays.compareUnsigned(Keys.regionStateKey(regionId), Keys.DATA_MIN_KEY))
                .isNegative();
        assertThat(inRange(Keys.regionStateKey(regionId), Keys.LOCAL_MIN_KEY, Keys.LOCAL_MAX_KEY))
                .isTrue();
    }

    @Example
    void emptyUserEndKeyMeansTheEndOfTheDataSpace() {
        assertThat(Keys.dataEndKey(new byte[0])).isEqualTo(Keys.DATA_MAX_KEY);
        assertThat(Keys.dataEndKey(new byte[] {1})).containsExactly('z', 1);
    }

    @Example
    void prefixEndIsTheSmallestKeyAboveThePrefix() {
        assertThat(Keys.prefixEnd(new byte[] {1, 2})).containsExactly(1, 3);
        assertThat(Keys.prefixEnd(new byte[] {1, (byte) 0xff})).containsExactly(2);
        assertThat(Keys.prefixEnd(new byte[] {(byte) 0xff, (byte) 0xff})).isEmpty();
    }

    @Example
    void decodingForeignKeysFailsNamingTheKey() {
        assertThatThrownBy(() -> Keys.raftLogIndexOf(Keys.raftStateKey(1)))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("not a raft log key")
                .hasMessageContaining("0102000000000000000102");
        assertThatThrownBy(() -> Keys.regionIdOf(Keys.STORE_IDENT_KEY))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("not a per-region key");
        assertThatThrownBy(() -> Keys.userKey(Keys.STORE_IDENT_KEY))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("not a data key");
    }

    /** Few distinct ids, so that equal regions come up often. */
    @Provide
    Arbitrary<Long> regionIds() {
        return Arbitraries.oneOf(
                Arbitraries.longs().between(1, 4), Arbitraries.of(-1L, Long.MAX_VALUE, Long.MIN_VALUE, 0L));
    }

    private static boolean inRange(byte[] key, byte[] start, byte[] end) {
        return Arrays.compareUnsigned(key, start) >= 0 && Arrays.compareUnsigned(key, end) < 0;
    }

    @Property
    void indexesAboveSignedRangeStillSortAfterSmallerOnes(@ForAll @LongRange(min = 0) long index) {
        byte[] small = Keys.raftLogKey(1, index);
        byte[] huge = Keys.raftLogKey(1, -1L);
        assertThat(Arrays.compareUnsigned(small, huge)).isLessThanOrEqualTo(0);
    }
}
