package io.tinykv.client.region;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.google.protobuf.ByteString;
import io.tinykv.client.RpcException;
import io.tinykv.proto.Metapb;
import io.tinykv.txn.mvcc.KeyCodec;
import java.util.HexFormat;
import java.util.Random;
import org.junit.jupiter.api.Test;

/** The client's copy of the memcomparable encoding agrees with the store's, and boundaries decode. */
class RegionKeyCodecTest {

    @Test
    void encodesLikeTheStoreAndDecodesBack() {
        Random random = new Random(7);
        for (int i = 0; i < 200; i++) {
            byte[] key = new byte[random.nextInt(30)];
            random.nextBytes(key);
            ByteString encoded = RegionKeyCodec.encode(ByteString.copyFrom(key));
            assertThat(encoded.toByteArray()).isEqualTo(KeyCodec.encode(key));
            assertThat(RegionKeyCodec.decodeOrNull(encoded)).isEqualTo(ByteString.copyFrom(key));
        }
        assertThat(RegionKeyCodec.encode(ByteString.copyFromUtf8("a")).toByteArray())
                .isEqualTo(HexFormat.of().parseHex("6100000000000000f8"));
    }

    @Test
    void aTransactionalClientDecodesBoundariesAndRefusesRawOnes() {
        ByteString m = ByteString.copyFromUtf8("m");
        Metapb.Region encoded = Metapb.Region.newBuilder()
                .setId(9)
                .setStartKey(RegionKeyCodec.encode(m))
                .build();
        assertThat(RegionKeyCodec.TXN.fromCluster(encoded).getStartKey()).isEqualTo(m);
        assertThat(RegionKeyCodec.TXN.fromCluster(encoded).getEndKey()).isEmpty();
        assertThat(RegionKeyCodec.TXN.toPd(m)).isEqualTo(RegionKeyCodec.encode(m));
        assertThat(RegionKeyCodec.TXN.toPd(ByteString.EMPTY)).isEmpty();
        assertThat(RegionKeyCodec.RAW.fromCluster(encoded)).isEqualTo(encoded);
        assertThat(RegionKeyCodec.RAW.toPd(m)).isEqualTo(m);

        Metapb.Region raw = Metapb.Region.newBuilder().setId(9).setStartKey(m).build();
        assertThatThrownBy(() -> RegionKeyCodec.TXN.fromCluster(raw))
                .isInstanceOf(RpcException.class)
                .hasMessageContaining("region 9")
                .hasMessageContaining("not a memcomparable-encoded user key");
        ByteString trailing = RegionKeyCodec.encode(m).concat(ByteString.copyFrom(new byte[8]));
        assertThat(RegionKeyCodec.decodeOrNull(trailing))
                .as("an MVCC key with its timestamp")
                .isNull();
    }
}
