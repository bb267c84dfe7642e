package io.tinykv.scheduler;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.google.protobuf.ByteString;
import java.util.HexFormat;
import net.jqwik.api.ForAll;
import net.jqwik.api.Property;
import org.junit.jupiter.api.Test;

class MemComparableCodecTest {

    private static ByteString hex(String hex) {
        return ByteString.copyFrom(HexFormat.of().parseHex(hex));
    }

    private static ByteString utf8(String s) {
        return ByteString.copyFromUtf8(s);
    }

    /** Vectors of TiKV's codec::bytes::encode_bytes. */
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

    @Test
    void invalidEncodingsAreRefusedWithAReason() {
        assertThatThrownBy(() -> MemComparableCodec.decode(utf8("abc"))).hasMessageContaining("truncated at byte 0");
        assertThatThrownBy(() -> MemComparableCodec.decode(hex("6100000000000000f0")))
                .hasMessageContaining("invalid group marker 0xf0");
        assertThatThrownBy(() -> MemComparableCodec.decode(hex("6100000000000001f8")))
                .hasMessageContaining("non-zero padding at byte 7");
        assertThatThrownBy(() -> MemComparableCodec.decode(hex("6100000000000000f8aa")))
                .hasMessageContaining("1 stray bytes");
    }

    @Property(tries = 300)
    void roundTripsAndKeepsOrder(@ForAll byte[] a, @ForAll byte[] b) {
        ByteString ka = ByteString.copyFrom(a);
        ByteString kb = ByteString.copyFrom(b);
        assertThat(MemComparableCodec.decode(MemComparableCodec.encode(ka))).isEqualTo(ka);
        assertThat(Integer.signum(Keys.compare(MemComparableCodec.encode(ka), MemComparableCodec.encode(kb))))
                .isEqualTo(Integer.signum(Keys.compare(ka, kb)));
    }

    /** Boundaries are kept as clients name them; TXN mode only refuses keys that are not encodings. */
    @Test
    void keyModesPassKeysThroughAndTxnModeRefusesUnencodedOnes() {
        assertThat(ClientKeyMode.RAW.fromClient(utf8("a"))).isEqualTo(utf8("a"));
        assertThat(ClientKeyMode.RAW.toClient(utf8("a"))).isEqualTo(utf8("a"));
        assertThat(ClientKeyMode.TXN.toClient(hex("6100000000000000f8"))).isEqualTo(hex("6100000000000000f8"));
        assertThat(ClientKeyMode.TXN.fromClient(hex("6100000000000000f8"))).isEqualTo(hex("6100000000000000f8"));
        assertThatThrownBy(() -> ClientKeyMode.TXN.fromClient(utf8("a")))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("not a memcomparable-encoded key");
        assertThat(ClientKeyMode.TXN.toClient(ByteString.EMPTY)).isEmpty();
        assertThat(ClientKeyMode.TXN.fromClient(ByteString.EMPTY)).isEmpty();
    }
}
