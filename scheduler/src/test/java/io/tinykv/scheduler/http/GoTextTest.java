package io.tinykv.scheduler.http;

import static org.assertj.core.api.Assertions.assertThat;

import com.google.protobuf.ByteString;
import java.time.Duration;
import org.junit.jupiter.api.Test;

/** PD's JSON formats, as Go prints them. */
class GoTextTest {

    @Test
    void byteSizesUseBinaryUnitsAndAtMostFourSignificantDigits() {
        assertThat(GoText.byteSize(0)).isEqualTo("0B");
        assertThat(GoText.byteSize(1023)).isEqualTo("1023B");
        assertThat(GoText.byteSize(1024)).isEqualTo("1KiB");
        assertThat(GoText.byteSize(1536)).isEqualTo("1.5KiB");
        assertThat(GoText.byteSize(1_000_000_000_000L)).isEqualTo("931.3GiB");
        assertThat(GoText.byteSize(2L << 40)).isEqualTo("2TiB");
        assertThat(GoText.byteSize(Long.MAX_VALUE)).isEqualTo("8EiB");
    }

    @Test
    void durationsReadAsGoPrintsThem() {
        assertThat(GoText.duration(Duration.ZERO)).isEqualTo("0s");
        assertThat(GoText.duration(Duration.ofMillis(500))).isEqualTo("500ms");
        assertThat(GoText.duration(Duration.ofNanos(1_500))).isEqualTo("1.5µs");
        assertThat(GoText.duration(Duration.ofNanos(7))).isEqualTo("7ns");
        assertThat(GoText.duration(Duration.ofSeconds(20))).isEqualTo("20s");
        assertThat(GoText.duration(Duration.ofMinutes(30))).isEqualTo("30m0s");
        assertThat(GoText.duration(Duration.ofHours(2))).isEqualTo("2h0m0s");
        assertThat(GoText.duration(Duration.ofMillis(3_723_500))).isEqualTo("1h2m3.5s");
        assertThat(GoText.duration(Duration.ofSeconds(-90))).isEqualTo("-1m30s");
    }

    @Test
    void regionKeysAreUpperCaseHexAndInstantsRfc3339() {
        assertThat(GoText.hexKey(ByteString.EMPTY)).isEmpty();
        assertThat(GoText.hexKey(ByteString.copyFrom(new byte[] {0x6d, (byte) 0xff, 0})))
                .isEqualTo("6DFF00");
        assertThat(GoText.instant(1_700_000_000_123L)).isEqualTo("2023-11-14T22:13:20.123Z");
    }
}
