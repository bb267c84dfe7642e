package io.tinykv.client;

import static org.assertj.core.api.Assertions.assertThatCode;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.google.protobuf.ByteString;
import org.junit.jupiter.api.Test;

/** The scan argument check both clients (raw and transactional) share. */
class KeysTest {

    private static ByteString utf8(String s) {
        return ByteString.copyFromUtf8(s);
    }

    @Test
    void aScanNeedsBothBoundsAPositiveLimitAndAStartNotAfterABoundedEnd() {
        assertThatCode(() -> Keys.checkScanArguments(utf8("a"), utf8("b"), 1)).doesNotThrowAnyException();
        assertThatCode(() -> Keys.checkScanArguments(utf8("z"), ByteString.EMPTY, 1))
                .as("an empty end is unbounded")
                .doesNotThrowAnyException();
        assertThatThrownBy(() -> Keys.checkScanArguments(null, utf8("b"), 1))
                .isInstanceOf(NullPointerException.class)
                .hasMessage("startKey");
        assertThatThrownBy(() -> Keys.checkScanArguments(utf8("a"), null, 1))
                .isInstanceOf(NullPointerException.class)
                .hasMessage("endKey");
        assertThatThrownBy(() -> Keys.checkScanArguments(utf8("a"), utf8("b"), 0))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessage("limit must be > 0, got 0");
        assertThatThrownBy(() -> Keys.checkScanArguments(utf8("b"), utf8("a"), 1))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessage("scan range [\"b\", \"a\") has its start after its end");
    }
}
