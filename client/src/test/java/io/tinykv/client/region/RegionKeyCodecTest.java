package io.tinykv.client.region;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.google.protobuf.ByteString;
import io.tinykv.client.RpcException;
import io.tinykv.proto.MemComparableCodec;
import io.tinykv.proto.Metapb;
import org.junit.jupiter.api.Test;

/** A transactional client encodes keys for PD and decodes boundaries; a raw client passes both through. */
class RegionKeyCodecTest {

    @Test
    void aTransactionalClientDecodesBoundariesAndRefusesRawOnes() {
        ByteString m = ByteString.copyFromUtf8("m");
        Metapb.Region encoded = Metapb.Region.newBuilder()
                .setId(9)
                .setStartKey(MemComparableCodec.encode(m))
                .build();
        assertThat(RegionKeyCodec.TXN.fromCluster(encoded).getStartKey()).isEqualTo(m);
        assertThat(RegionKeyCodec.TXN.fromCluster(encoded).getEndKey()).isEmpty();
        assertThat(RegionKeyCodec.TXN.toPd(m)).isEqualTo(MemComparableCodec.encode(m));
        assertThat(RegionKeyCodec.TXN.toPd(ByteString.EMPTY)).isEmpty();
        assertThat(RegionKeyCodec.RAW.fromCluster(encoded)).isEqualTo(encoded);
        assertThat(RegionKeyCodec.RAW.toPd(m)).isEqualTo(m);

        Metapb.Region raw = Metapb.Region.newBuilder().setId(9).setStartKey(m).build();
        assertThatThrownBy(() -> RegionKeyCodec.TXN.fromCluster(raw))
                .isInstanceOf(RpcException.class)
                .hasMessageContaining("region 9")
                .hasMessageContaining("not a memcomparable-encoded user key");
        ByteString trailing = MemComparableCodec.encode(m).concat(ByteString.copyFrom(new byte[8]));
        Metapb.Region mvccKeyBoundary =
                Metapb.Region.newBuilder().setId(9).setEndKey(trailing).build();
        assertThatThrownBy(() -> RegionKeyCodec.TXN.fromCluster(mvccKeyBoundary))
                .as("an MVCC key with its timestamp")
                .isInstanceOf(RpcException.class)
                .hasMessageContaining("not a memcomparable-encoded user key");
    }
}
