package io.tinykv.server.config;

import java.util.Locale;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * Parses the human-friendly sizes and durations configuration files use: {@code "8KiB"},
 * {@code "64MiB"}, {@code "3s"}, {@code "500ms"}. Sizes are binary whatever the spelling
 * ({@code KB} = {@code KiB} = 1024 bytes), as in TiKV's configuration.
 */
public final class Units {

    private static final Pattern AMOUNT = Pattern.compile("\\s*(-?\\d+)\\s*([a-zA-Z]*)\\s*");
    private static final long KIB = 1024;

    private Units() {}

    /**
     * @throws IllegalArgumentException naming the accepted units
     */
    public static long parseBytes(String text) {
        Matcher m = matchAmount(text, "a size like 8KiB, 64MiB or 1GiB");
        long amount = Long.parseLong(m.group(1));
        long multiplier = switch (m.group(2).toUpperCase(Locale.ROOT)) {
            case "", "B" -> 1;
            case "K", "KB", "KIB" -> KIB;
            case "M", "MB", "MIB" -> KIB * KIB;
            case "G", "GB", "GIB" -> KIB * KIB * KIB;
            default ->
                throw new IllegalArgumentException(
                        "unknown size unit '" + m.group(2) + "' in '" + text + "' (use B, KiB, MiB or GiB)");
        };
        return Math.multiplyExact(amount, multiplier);
    }

    /**
     * @throws IllegalArgumentException naming the accepted units
     */
    public static long parseMillis(String text) {
        Matcher m = matchAmount(text, "a duration like 500ms, 3s or 1m");
        long amount = Long.parseLong(m.group(1));
        long multiplier = switch (m.group(2).toLowerCase(Locale.ROOT)) {
            case "ms" -> 1;
            case "s" -> 1_000;
            case "m" -> 60_000;
            case "h" -> 3_600_000;
            default ->
                throw new IllegalArgumentException(
                        "unknown or missing duration unit in '" + text + "' (use ms, s, m or h)");
        };
        return Math.multiplyExact(amount, multiplier);
    }

    private static Matcher matchAmount(String text, String expected) {
        Matcher m = AMOUNT.matcher(text);
        if (!m.matches()) {
            throw new IllegalArgumentException("expected " + expected + " (got '" + text + "')");
        }
        return m;
    }
}
