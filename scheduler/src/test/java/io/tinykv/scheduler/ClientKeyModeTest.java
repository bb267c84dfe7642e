package io.tinykv.scheduler;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.google.protobuf.ByteString;
import java.util.HexFormat;
import org.junit.jupiter.api.Test;

class ClientKeyModeTest {

    private static ByteString hex(String hex) {
        return ByteString.copyFrom(HexFormat.of().parseHex(hex));
    }

    private static ByteString utf8(String s) {
        return ByteString.copyFromUtf8(s);
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
