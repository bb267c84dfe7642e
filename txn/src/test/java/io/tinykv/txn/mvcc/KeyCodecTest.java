package io.tinykv.txn.mvcc;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.util.HexFormat;
import org.junit.jupiter.api.Test;

/** The codec itself is tested in proto's MemComparableCodecTest; here, its store edge. */
class KeyCodecTest {

    private static final HexFormat HEX = HexFormat.of();

    @Test
    void everyRefusedEncodingIsACorruptRecordNamingItsProblem() {
        assertThatThrownBy(() -> KeyCodec.decode(HEX.parseHex("0102030405060708ff01")))
                .isInstanceOf(CorruptRecordException.class)
                .hasMessageContaining("truncated");
        assertThatThrownBy(() -> KeyCodec.decode(HEX.parseHex("0102030000000000faff")))
                .isInstanceOf(CorruptRecordException.class)
                .hasMessageContaining("stray");
        assertThatThrownBy(() -> KeyCodec.decode(HEX.parseHex("0000000000000000f6")))
                .isInstanceOf(CorruptRecordException.class)
                .hasMessageContaining("marker");
        assertThatThrownBy(() -> KeyCodec.decode(HEX.parseHex("0102030000000001fa")))
                .isInstanceOf(CorruptRecordException.class)
                .hasMessageContaining("padding");
        assertThatThrownBy(() -> KeyCodec.decodePrefix(HEX.parseHex("0102030000000001faff"), 10))
                .isInstanceOf(CorruptRecordException.class)
                .hasMessageContaining("padding");
    }

    @Test
    void validEncodingsDecodeAsTheCodecDoes() {
        assertThat(KeyCodec.decode(HEX.parseHex("0102030000000000fa"))).containsExactly(1, 2, 3);
        assertThat(KeyCodec.decodePrefix(HEX.parseHex("0102030000000000faff"), 10)
                        .key())
                .containsExactly(1, 2, 3);
    }
}
