package io.tinykv.scheduler.dashboard;

import com.google.protobuf.ByteString;
import io.tinykv.scheduler.RegionInfo;
import java.util.Locale;
import java.util.function.Predicate;

/**
 * Which regions a search asks for, and which page of them: the status page's search box and
 * {@code /api/v1/regions?q=...&offset=...&limit=...}.
 *
 * <p>The query: empty for all; a number for that region id; {@code store:N} for the regions with a
 * peer on store N; {@code leader:N} for those led from store N; {@code key:K} for the region holding
 * key K (text, {@code \xNN} escapes allowed) and {@code hexkey:HH} for a hex key; anything else
 * matches the regions whose start or end key contains it (case-insensitive).
 */
public record RegionQuery(String text, int offset, int limit, Predicate<RegionInfo> filter) {

    public static final int DEFAULT_LIMIT = 100;
    public static final int MAX_LIMIT = 1_000;

    public boolean matches(RegionInfo region) {
        return filter.test(region);
    }

    /**
     * @throws IllegalArgumentException for a negative offset, a limit outside 1..{@value #MAX_LIMIT},
     *     or a malformed query, naming what is wrong
     */
    public static RegionQuery parse(String text, int offset, int limit) {
        if (offset < 0) {
            throw new IllegalArgumentException("offset must be >= 0 (got " + offset + ")");
        }
        if (limit < 1 || limit > MAX_LIMIT) {
            throw new IllegalArgumentException("limit must be between 1 and " + MAX_LIMIT + " (got " + limit + ")");
        }
        String q = text == null ? "" : text.strip();
        return new RegionQuery(q, offset, limit, filter(q));
    }

    private static Predicate<RegionInfo> filter(String q) {
        if (q.isEmpty()) {
            return r -> true;
        }
        String lower = q.toLowerCase(Locale.ROOT);
        if (lower.startsWith("store:")) {
            long store = number(q.substring("store:".length()), "store id");
            return r -> r.peerOnStore(store).isPresent();
        }
        if (lower.startsWith("leader:")) {
            long store = number(q.substring("leader:".length()), "store id");
            return r -> r.leader() != null && r.leader().getStoreId() == store;
        }
        if (lower.startsWith("key:")) {
            ByteString key = KeyText.parse(q.substring("key:".length()), false);
            return r -> r.contains(key);
        }
        if (lower.startsWith("hexkey:")) {
            ByteString key = KeyText.parse(q.substring("hexkey:".length()), true);
            return r -> r.contains(key);
        }
        if (q.chars().allMatch(Character::isDigit)) {
            long id = number(q, "region id");
            return r -> r.id() == id;
        }
        return r -> KeyText.show(r.startKey()).toLowerCase(Locale.ROOT).contains(lower)
                || KeyText.show(r.endKey()).toLowerCase(Locale.ROOT).contains(lower);
    }

    private static long number(String text, String what) {
        try {
            return Long.parseUnsignedLong(text.strip());
        } catch (NumberFormatException e) {
            throw new IllegalArgumentException("invalid " + what + " '" + text + "': expected a number");
        }
    }
}
