package io.tinykv.nemesis;

import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicLong;

/**
 * What the proxies did to store-to-store connections, per link: the evidence that a partition was
 * real (connections severed when it began, reconnection attempts refused while it lasted).
 * A caller the proxies could not identify while a cut was active is counted as "unidentified".
 */
final class LinkCounters {
    private final Map<String, AtomicLong> severed = new ConcurrentHashMap<>();
    private final Map<String, AtomicLong> refused = new ConcurrentHashMap<>();

    void severed(int from, int to) {
        severed.computeIfAbsent(key(from, to), k -> new AtomicLong()).incrementAndGet();
    }

    void refused(int from, int to) {
        refused.computeIfAbsent(key(from, to), k -> new AtomicLong()).incrementAndGet();
    }

    /** Severed plus refused connections on links from {@code from} to {@code to}. */
    long blocked(int from, int to) {
        String key = key(from, to);
        return get(severed, key) + get(refused, key);
    }

    long totalBlocked() {
        return severed.values().stream().mapToLong(AtomicLong::get).sum()
                + refused.values().stream().mapToLong(AtomicLong::get).sum();
    }

    private static long get(Map<String, AtomicLong> map, String key) {
        AtomicLong value = map.get(key);
        return value == null ? 0 : value.get();
    }

    private static String key(int from, int to) {
        return (from > 0 ? "store" + from : "unidentified") + "->store" + to;
    }
}
