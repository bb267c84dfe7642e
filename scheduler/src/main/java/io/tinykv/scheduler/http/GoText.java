package io.tinykv.scheduler.http;

import com.google.protobuf.ByteString;
import java.math.BigDecimal;
import java.math.MathContext;
import java.time.Duration;
import java.time.Instant;
import java.util.HexFormat;

/**
 * Values written the way PD (a Go program) writes them in its JSON, so that tools that read PD's
 * answers read ours: byte sizes as {@code "1.5GiB"}, durations as {@code "30m0s"}, instants in
 * RFC 3339, region keys in upper-case hex.
 */
public final class GoText {

    private static final String[] BINARY_UNITS = {"B", "KiB", "MiB", "GiB", "TiB", "PiB", "EiB"};
    private static final double BINARY_BASE = 1024.0;
    /** Go's {@code %.4g}: at most four significant digits, trailing zeros dropped. */
    private static final MathContext FOUR_DIGITS = new MathContext(4);

    private static final HexFormat UPPER_HEX = HexFormat.of().withUpperCase();
    private static final long NANOS_PER_MICRO = 1_000;
    private static final long NANOS_PER_MILLI = 1_000_000;
    private static final long SECONDS_PER_MINUTE = 60;
    private static final long SECONDS_PER_HOUR = 3_600;

    private GoText() {}

    /** As Go's {@code units.BytesSize} (PD's {@code typeutil.ByteSize}): {@code 0B}, {@code 931.5GiB}. */
    public static String byteSize(long bytes) {
        double size = bytes;
        int unit = 0;
        while (size >= BINARY_BASE && unit < BINARY_UNITS.length - 1) {
            size /= BINARY_BASE;
            unit++;
        }
        return significant(size) + BINARY_UNITS[unit];
    }

    /** As Go's {@code time.Duration.String}: {@code 0s}, {@code 500ms}, {@code 30m0s}, {@code 1h2m3.5s}. */
    public static String duration(Duration d) {
        if (d.isNegative()) {
            return "-" + duration(d.negated());
        }
        if (d.isZero()) {
            return "0s";
        }
        if (d.getSeconds() == 0) {
            long nanos = d.getNano();
            if (nanos < NANOS_PER_MICRO) {
                return nanos + "ns";
            }
            if (nanos < NANOS_PER_MILLI) {
                return fraction(nanos, NANOS_PER_MICRO) + "µs";
            }
            return fraction(nanos, NANOS_PER_MILLI) + "ms";
        }
        long hours = d.getSeconds() / SECONDS_PER_HOUR;
        long minutes = d.getSeconds() % SECONDS_PER_HOUR / SECONDS_PER_MINUTE;
        long seconds = d.getSeconds() % SECONDS_PER_MINUTE;
        StringBuilder b = new StringBuilder();
        if (hours > 0) {
            b.append(hours).append('h');
        }
        if (hours > 0 || minutes > 0) {
            b.append(minutes).append('m');
        }
        b.append(BigDecimal.valueOf(seconds)
                .add(BigDecimal.valueOf(d.getNano(), 9))
                .stripTrailingZeros()
                .toPlainString());
        return b.append('s').toString();
    }

    /** RFC 3339 in UTC, as Go's {@code time.Time} marshals (fraction only when there is one). */
    public static String instant(long epochMillis) {
        return Instant.ofEpochMilli(epochMillis).toString();
    }

    /** PD's {@code HexRegionKeyStr}: upper-case hex, the empty key as the empty string. */
    public static String hexKey(ByteString key) {
        return UPPER_HEX.formatHex(key.toByteArray());
    }

    private static String significant(double value) {
        return new BigDecimal(value).round(FOUR_DIGITS).stripTrailingZeros().toPlainString();
    }

    private static String fraction(long nanos, long unitNanos) {
        return BigDecimal.valueOf(nanos)
                .divide(BigDecimal.valueOf(unitNanos))
                .stripTrailingZeros()
                .toPlainString();
    }
}
