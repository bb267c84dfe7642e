package io.tinykv.txn.mvcc;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.util.Arrays;
import java.util.HexFormat;
import net.jqwik.api.ForAll;
import net.jqwik.api.Property;
import net.jqwik.api.constraints.Size;
import org.junit.jupiter.api.Test;

class KeyCodecTest {

    private static final HexFormat HEX = HexFormat.of();

    /**
     * Vectors derived by hand from TiKV's documented format (codec::bytes): 8-byte groups padded
     * with zeros, each followed by 0xFF minus the pad count.
     */
    @Test
    void encodesKnownVectors() {
        assertEncodes("", "0000000000000000f7");
        assertEncodes("00", "0000000000000000f8");
        assertEncodes("010203", "0102030000000000fa");
        assertEncodes("01020300", "0102030000000000fb");
        assertEncodes("01020304050607", "0102030405060700fe");
        assertEncodes("0102030405060708", "0102030405060708ff0000000000000000f7");
        assertEncodes("0000000000000000", "0000000000000000ff0000000000000000f7");
        assertEncodes("010203040506070809", "0102030405060708ff0900000000000000f8");
        // "abc" as the TiKV client encodes it for a region boundary.
        assertEncodes("616263", "6162630000000000fa");
    }

    private static void assertEncodes(String keyHex, String encodedHex) {
        byte[] key = HEX.parseHex(keyHex);
        assertThat(HEX.formatHex(KeyCodec.encode(key))).isEqualTo(encodedHex);
        assertThat(KeyCodec.decode(HEX.parseHex(encodedHex))).isEqualTo(key);
        assertThat(KeyCodec.encodedLength(key.length)).isEqualTo(encodedHex.length() / 2);
    }

    @Property
    void roundTrips(@ForAll @Size(max = 40) byte[] key) {
        assertThat(KeyCodec.decode(KeyCodec.encode(key))).isEqualTo(key);
    }

    @Property
    void preservesUnsignedOrder(@ForAll @Size(max = 20) byte[] a, @ForAll @Size(max = 20) byte[] b) {
        assertThat(Integer.signum(Arrays.compareUnsigned(KeyCodec.encode(a), KeyCodec.encode(b))))
                .isEqualTo(Integer.signum(Arrays.compareUnsigned(a, b)));
    }

    @Property
    void noEncodingIsAPrefixOfAnother(@ForAll @Size(max = 20) byte[] a, @ForAll @Size(max = 20) byte[] b) {
        byte[] ea = KeyCodec.encode(a);
        byte[] eb = KeyCodec.encode(b);
        if (!Arrays.equals(a, b) && ea.length <= eb.length) {
            assertThat(Arrays.equals(ea, 0, ea.length, eb, 0, ea.length)).isFalse();
        }
    }

    @Test
    void rejectsTruncatedEncoding() {
        assertThatThrownBy(() -> KeyCodec.decode(HEX.parseHex("0102030405060708ff01")))
                .isInstanceOf(CorruptRecordException.class)
                .hasMessageContaining("truncated");
    }

    @Test
    void rejectsStrayBytesAfterTheKeyUnlessAskedForAPrefix() {
        byte[] withSuffix = HEX.parseHex("0102030000000000fa" + "ff");
        assertThatThrownBy(() -> KeyCodec.decode(withSuffix))
                .isInstanceOf(CorruptRecordException.class)
                .hasMessageContaining("stray");
        KeyCodec.Decoded prefix = KeyCodec.decodePrefix(withSuffix, withSuffix.length);
        assertThat(prefix.key()).containsExactly(1, 2, 3);
        assertThat(prefix.encodedLength()).isEqualTo(KeyCodec.ENCODED_GROUP_SIZE);
    }

    @Test
    void rejectsInvalidMarker() {
        assertThatThrownBy(() -> KeyCodec.decode(HEX.parseHex("0000000000000000f6")))
                .isInstanceOf(CorruptRecordException.class)
                .hasMessageContaining("marker");
    }

    @Test
    void rejectsNonZeroPadding() {
        assertThatThrownBy(() -> KeyCodec.decode(HEX.parseHex("0102030000000001fa")))
                .isInstanceOf(CorruptRecordException.class)
                .hasMessageContaining("padding");
    }
}
