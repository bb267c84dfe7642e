package io.tinykv.txn.mvcc;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.tinykv.proto.MemComparableCodec;
import java.util.Arrays;
import java.util.HexFormat;
import net.jqwik.api.ForAll;
import net.jqwik.api.Property;
import net.jqwik.api.constraints.Size;
import org.junit.jupiter.api.Test;

class MvccKeyTest {

    @Test
    void appendsInvertedBigEndianTimestamp() {
        byte[] key = MvccKey.encode(new byte[] {1, 2, 3}, 1);
        assertThat(HexFormat.of().formatHex(key)).isEqualTo("0102030000000000fa" + "fffffffffffffffe");
    }

    @Property
    void roundTrips(@ForAll @Size(max = 30) byte[] key, @ForAll long ts) {
        MvccKey decoded = MvccKey.decode(MvccKey.encode(key, ts));
        assertThat(decoded.userKey()).isEqualTo(key);
        assertThat(decoded.ts()).isEqualTo(ts);
        assertThat(MvccKey.tsOf(MvccKey.encode(key, ts))).isEqualTo(ts);
    }

    @Property
    void newerVersionsOfAKeySortFirst(@ForAll @Size(max = 20) byte[] key, @ForAll long ts1, @ForAll long ts2) {
        int byTs = Timestamps.compare(ts1, ts2);
        int byEngine = Arrays.compareUnsigned(MvccKey.encode(key, ts1), MvccKey.encode(key, ts2));
        assertThat(Integer.signum(byEngine)).isEqualTo(-Integer.signum(byTs));
    }

    @Property
    void keysOrderBeforeTimestamps(
            @ForAll @Size(max = 20) byte[] a, @ForAll long tsA, @ForAll @Size(max = 20) byte[] b, @ForAll long tsB) {
        if (!Arrays.equals(a, b)) {
            int byKey = Arrays.compareUnsigned(a, b);
            int byEngine = Arrays.compareUnsigned(MvccKey.encode(a, tsA), MvccKey.encode(b, tsB));
            assertThat(Integer.signum(byEngine)).isEqualTo(Integer.signum(byKey));
        }
    }

    @Test
    void rejectsKeyWithStrayBytesBeforeTimestamp() {
        byte[] encoded = MemComparableCodec.encode(new byte[] {7});
        byte[] bad = new byte[encoded.length + 1 + MvccKey.TS_BYTES];
        System.arraycopy(encoded, 0, bad, 0, encoded.length);
        assertThatThrownBy(() -> MvccKey.decode(bad))
                .isInstanceOf(CorruptRecordException.class)
                .hasMessageContaining("stray");
    }

    @Test
    void rejectsTooShortKey() {
        assertThatThrownBy(() -> MvccKey.decode(new byte[] {1, 2}))
                .isInstanceOf(CorruptRecordException.class)
                .hasMessageContaining("too short");
    }

    @Test
    void timestampsComposeFromPhysicalAndLogicalParts() {
        long ts = Timestamps.compose(1_000, 5);
        assertThat(Timestamps.physicalMillis(ts)).isEqualTo(1_000);
        assertThat(ts & ((1 << Timestamps.LOGICAL_BITS) - 1)).isEqualTo(5);
        assertThat(Timestamps.after(Timestamps.MAX, ts)).isTrue();
        // Alive at exactly its deadline, expired one millisecond later.
        assertThat(Timestamps.lockExpired(ts, 10, Timestamps.compose(1_010, 0))).isFalse();
        assertThat(Timestamps.lockExpired(ts, 10, Timestamps.compose(1_011, 0))).isTrue();
        // A TTL near u64::MAX must not wrap around into "long expired".
        assertThat(Timestamps.lockExpired(ts, -1L, Timestamps.MAX)).isFalse();
        assertThat(Timestamps.lockExpired(ts, Long.MAX_VALUE, Timestamps.compose(2_000, 0)))
                .isFalse();
        // A current ts of u64::MAX (what clients send to force expiry) expires any sane TTL.
        assertThat(Timestamps.lockExpired(ts, 3_000, Long.MAX_VALUE)).isTrue();
    }
}
