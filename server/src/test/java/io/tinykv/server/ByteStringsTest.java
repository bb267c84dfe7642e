package io.tinykv.server;

import static org.assertj.core.api.Assertions.assertThat;

import com.google.protobuf.ByteString;
import com.google.protobuf.UnsafeByteOperations;
import io.tinykv.proto.Kvrpcpb;
import org.junit.jupiter.api.Test;

class ByteStringsTest {

    @Test
    void aFieldParsedFromARequestIsTakenWithoutACopy() throws Exception {
        byte[] wire = Kvrpcpb.RawPutRequest.newBuilder()
                .setKey(ByteString.copyFromUtf8("key"))
                .setValue(ByteString.copyFromUtf8("a value of some length"))
                .build()
                .toByteArray();
        Kvrpcpb.RawPutRequest parsed = Kvrpcpb.RawPutRequest.parseFrom(wire);

        byte[] first = ByteStrings.array(parsed.getValue());
        byte[] second = ByteStrings.array(parsed.getValue());

        assertThat(first).isEqualTo("a value of some length".getBytes());
        assertThat(second).as("the same backing array, not a copy").isSameAs(first);
    }

    @Test
    void aSliceOfALargerArrayIsCopied() {
        byte[] backing = {1, 2, 3, 4, 5};
        ByteString slice = UnsafeByteOperations.unsafeWrap(backing, 1, 3);

        byte[] bytes = ByteStrings.array(slice);

        assertThat(bytes).containsExactly(2, 3, 4).isNotSameAs(backing);
    }

    @Test
    void aRopeIsCopiedAndEmptyIsEmpty() {
        ByteString rope = ByteString.copyFromUtf8("ab").concat(ByteString.copyFrom(new byte[200]));

        assertThat(ByteStrings.array(rope)).isEqualTo(rope.toByteArray());
        assertThat(ByteStrings.array(ByteString.EMPTY)).isEmpty();
    }
}
