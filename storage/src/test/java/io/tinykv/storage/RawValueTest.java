package io.tinykv.storage;

import static io.tinykv.storage.TestData.bytes;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.util.HexFormat;
import org.junit.jupiter.api.Test;

/** TiKV's API V1 TTL value layout and its expiry rule, against fixed clock readings. */
class RawValueTest {

    private static final long NOW = 1_700_000_000L;

    @Test
    void encodesTheUserBytesThenTheExpiryBigEndian() {
        byte[] stored = new RawValue(bytes("ab"), 0x0102030405060708L).encode();
        assertThat(HexFormat.of().formatHex(stored)).isEqualTo("6162" + "0102030405060708");
    }

    @Test
    void noExpiryIsEightZeroBytes() {
        assertThat(new RawValue(bytes("v"), RawValue.NO_EXPIRY).encode()).containsExactly('v', 0, 0, 0, 0, 0, 0, 0, 0);
    }

    @Test
    void decodeInvertsEncodeIncludingTheEmptyValue() {
        for (String value : new String[] {"", "v", "a longer value"}) {
            RawValue decoded = RawValue.decode(new RawValue(bytes(value), NOW + 5).encode());
            assertThat(decoded.userValue()).isEqualTo(bytes(value));
            assertThat(decoded.expireAtSeconds()).isEqualTo(NOW + 5);
        }
    }

    @Test
    void expiresWhenTheExpiryIsNotAfterNow() {
        RawValue v = new RawValue(bytes("v"), NOW + 2);
        assertThat(v.expiredAt(NOW)).isFalse();
        assertThat(v.expiredAt(NOW + 1)).isFalse();
        assertThat(v.expiredAt(NOW + 2))
                .as("the expiry second itself is expired (TiKV's <=)")
                .isTrue();
        assertThat(v.expiredAt(NOW + 3)).isTrue();
    }

    @Test
    void aValueWithoutExpiryNeverExpires() {
        RawValue v = new RawValue(bytes("v"), RawValue.NO_EXPIRY);
        assertThat(v.expires()).isFalse();
        assertThat(v.expiredAt(Long.MAX_VALUE)).isFalse();
        assertThat(v.expiredAt(-1)).as("the largest unsigned second").isFalse();
        assertThat(v.secondsLeftAt(NOW)).isZero();
    }

    @Test
    void secondsLeftCountDown() {
        RawValue v = new RawValue(bytes("v"), NOW + 10);
        assertThat(v.secondsLeftAt(NOW)).isEqualTo(10);
        assertThat(v.secondsLeftAt(NOW + 9)).isEqualTo(1);
        assertThat(v.secondsLeftAt(NOW + 10)).isZero();
        assertThat(v.secondsLeftAt(NOW + 11)).isZero();
    }

    @Test
    void expiriesCompareUnsigned() {
        // Beyond Long.MAX_VALUE as an unsigned count: still in the future, not in the past.
        RawValue far = new RawValue(bytes("v"), -2);
        assertThat(far.expiredAt(NOW)).isFalse();
        assertThat(far.expiredAt(-2)).isTrue();
        assertThat(far.secondsLeftAt(-3)).isEqualTo(1);
    }

    @Test
    void aStoredValueShorterThanTheExpiryIsAClearError() {
        assertThatThrownBy(() -> RawValue.decode(bytes("short")))
                .isInstanceOf(StorageException.class)
                .hasMessageContaining("5 bytes")
                .hasMessageContaining("8-byte expiry");
    }
}
