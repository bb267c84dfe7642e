package io.tinykv.proto;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.google.protobuf.ByteString;
import java.util.Arrays;
import java.util.HexFormat;
import java.util.Random;
import net.jqwik.api.ForAll;
import net.jqwik.api.Property;
import net.jqwik.api.constraints.Size;
import org.junit.jupiter.api.Test;

/**
 * The one memcomparable codec, as the stores (byte arrays), the scheduler and the client (protobuf
 * keys) use it. Each caller's mapping of a refused encoding to its own error is tested with that
 * caller.
 */
class MemComparableCodecTest {

    private static final HexFormat HEX = HexFormat.of();

    private static ByteString hex(String hex) {
        return ByteString.copyFrom(HEX.parseHex(hex));
    }

    private static ByteString utf8(String s) {
        return ByteString.copyFromUtf8(s);
    }

    /**
     * Vectors derived by hand from TiKV's documented format (codec::bytes): 8-byte groups padded with
     * zeros, each followed by 0xFF minus the pad count.
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
        assertThat(HEX.formatHex(MemComparableCodec.encode(key))).isEqualTo(encodedHex);
        assertThat(MemComparableCodec.decode(HEX.parseHex(encodedHex))).isEqualTo(key);
        assertThat(MemComparableCodec.encodedLength(key.length)).isEqualTo(encodedHex.length() / 2);
    }

    /** Vectors of TiKV's codec::bytes::encode_bytes, as protobuf keys. */
    @Test
    void encodesFixedVectors() {
        assertThat(MemComparableCodec.encode(ByteString.EMPTY)).isEqualTo(hex("0000000000000000f7"));
        assertThat(MemComparableCodec.encode(utf8("a"))).isEqualTo(hex("6100000000000000f8"));
        assertThat(MemComparableCodec.encode(hex("01020304"))).isEqualTo(hex("0102030400000000fb"));
        assertThat(MemComparableCodec.encode(utf8("12345678"))).isEqualTo(hex("3132333435363738ff0000000000000000f7"));
        assertThat(MemComparableCodec.encode(utf8("123456789"))).isEqualTo(hex("3132333435363738ff3900000000000000f8"));
        assertThat(MemComparableCodec.encode(hex("ffffffffffffffff00")))
                .isEqualTo(hex("ffffffffffffffffff0000000000000000f8"));
    }

    @Test
    void decodesFixedVectors() {
        assertThat(MemComparableCodec.decode(hex("0000000000000000f7"))).isEqualTo(ByteString.EMPTY);
        assertThat(MemComparableCodec.decode(hex("3132333435363738ff3900000000000000f8")))
                .isEqualTo(utf8("123456789"));
    }

    /** The protobuf form is the byte-array form: once the client's copy, checked against the store's. */
    @Test
    void protobufKeysEncodeLikeByteArraysAndDecodeBack() {
        Random random = new Random(7);
        for (int i = 0; i < 200; i++) {
            byte[] key = new byte[random.nextInt(30)];
            random.nextBytes(key);
            ByteString encoded = MemComparableCodec.encode(ByteString.copyFrom(key));
            assertThat(encoded.toByteArray()).isEqualTo(MemComparableCodec.encode(key));
            assertThat(MemComparableCodec.decode(encoded)).isEqualTo(ByteString.copyFrom(key));
        }
        assertThat(MemComparableCodec.encode(utf8("a")).toByteArray()).isEqualTo(HEX.parseHex("6100000000000000f8"));
    }

    @Property
    void roundTrips(@ForAll @Size(max = 40) byte[] key) {
        assertThat(MemComparableCodec.decode(MemComparableCodec.encode(key))).isEqualTo(key);
    }

    @Property
    void preservesUnsignedOrder(@ForAll @Size(max = 20) byte[] a, @ForAll @Size(max = 20) byte[] b) {
        assertThat(Integer.signum(Arrays.compareUnsigned(MemComparableCodec.encode(a), MemComparableCodec.encode(b))))
                .isEqualTo(Integer.signum(Arrays.compareUnsigned(a, b)));
    }

    @Property(tries = 300)
    void protobufKeysRoundTripAndKeepOrder(@ForAll byte[] a, @ForAll byte[] b) {
        ByteString ka = ByteString.copyFrom(a);
        ByteString kb = ByteString.copyFrom(b);
        var unsigned = ByteString.unsignedLexicographicalComparator();
        assertThat(MemComparableCodec.decode(MemComparableCodec.encode(ka))).isEqualTo(ka);
        assertThat(Integer.signum(unsigned.compare(MemComparableCodec.encode(ka), MemComparableCodec.encode(kb))))
                .isEqualTo(Integer.signum(unsigned.compare(ka, kb)));
    }

    @Property
    void noEncodingIsAPrefixOfAnother(@ForAll @Size(max = 20) byte[] a, @ForAll @Size(max = 20) byte[] b) {
        byte[] ea = MemComparableCodec.encode(a);
        byte[] eb = MemComparableCodec.encode(b);
        if (!Arrays.equals(a, b) && ea.length <= eb.length) {
            assertThat(Arrays.equals(ea, 0, ea.length, eb, 0, ea.length)).isFalse();
        }
    }

    @Test
    void rejectsTruncatedEncoding() {
        assertThatThrownBy(() -> MemComparableCodec.decode(HEX.parseHex("0102030405060708ff01")))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("truncated");
    }

    @Test
    void rejectsStrayBytesAfterTheKeyUnlessAskedForAPrefix() {
        byte[] withSuffix = HEX.parseHex("0102030000000000fa" + "ff");
        assertThatThrownBy(() -> MemComparableCodec.decode(withSuffix))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("stray");
        MemComparableCodec.Decoded prefix = MemComparableCodec.decodePrefix(withSuffix, withSuffix.length);
        assertThat(prefix.key()).containsExactly(1, 2, 3);
        assertThat(prefix.encodedLength()).isEqualTo(MemComparableCodec.ENCODED_GROUP_SIZE);
    }

    @Test
    void anMvccKeyWithItsTimestampIsNotOneEncodedKey() {
        ByteString trailing = MemComparableCodec.encode(utf8("m")).concat(ByteString.copyFrom(new byte[8]));
        assertThatThrownBy(() -> MemComparableCodec.decode(trailing))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("8 stray bytes");
    }

    @Test
    void rejectsInvalidMarker() {
        assertThatThrownBy(() -> MemComparableCodec.decode(HEX.parseHex("0000000000000000f6")))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("marker");
    }

    @Test
    void rejectsNonZeroPadding() {
        assertThatThrownBy(() -> MemComparableCodec.decode(HEX.parseHex("0102030000000001fa")))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("padding");
    }

    @Test
    void invalidEncodingsAreRefusedWithAReason() {
        assertThatThrownBy(() -> MemComparableCodec.decode(utf8("abc")))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("not a memcomparable-encoded key")
                .hasMessageContaining("truncated at byte 0");
        assertThatThrownBy(() -> MemComparableCodec.decode(hex("6100000000000000f0")))
                .hasMessageContaining("invalid group marker 0xf0");
        assertThatThrownBy(() -> MemComparableCodec.decode(hex("6100000000000001f8")))
                .hasMessageContaining("non-zero padding at byte 7");
        assertThatThrownBy(() -> MemComparableCodec.decode(hex("6100000000000000f8aa")))
                .hasMessageContaining("1 stray bytes");
    }
}
