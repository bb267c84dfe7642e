package io.tinykv.scheduler.dashboard;

import io.tinykv.proto.Metapb;
import io.tinykv.scheduler.ClusterMeta;
import io.tinykv.scheduler.RegionInfo;
import io.tinykv.scheduler.StoreInfo;
import io.tinykv.security.TlsCredentials;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.util.ArrayDeque;
import java.util.Deque;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.function.LongSupplier;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * What the status page's charts show: every {@code sample()} records, per store, its leader and
 * region counts (from the scheduler's view) and, scraped from the store's own {@code /metrics}, its
 * gRPC requests per second and their p99 latency over the interval since the previous sample. Keeps
 * the last {@code capacity} samples. {@link #sample} runs on one thread (the sampler);
 * {@link #samples} on any.
 */
public final class ClusterHistory {

    private static final Logger LOG = LoggerFactory.getLogger(ClusterHistory.class);
    private static final double MILLIS_PER_SECOND = 1_000.0;

    /** One store at one sample; requests and p99 are null when its metrics could not be read. */
    public record StoreSample(long storeId, int leaders, int regions, Double opsPerSecond, Double p99Millis) {}

    public record Sample(long atMillis, List<StoreSample> stores) {}

    public record Samples(long intervalMillis, List<Sample> samples) {}

    private final ClusterMeta cluster;
    private final LongSupplier clockMillis;
    private final int capacity;
    private final long intervalMillis;
    private final HttpClient http;
    /** {@code http}, or {@code https} under TLS: the stores' status endpoints speak what the cluster does. */
    private final String scheme;

    private final Duration scrapeTimeout;
    private final Deque<Sample> samples = new ArrayDeque<>();
    private final Map<Long, LatencyHistogram> lastScrape = new HashMap<>();
    private final Map<Long, Long> lastScrapeMillis = new HashMap<>();
    private final Map<Long, String> lastScrapeFailure = new HashMap<>();

    /**
     * @param tls the scheduler's own credentials: under TLS the stores' status endpoints are HTTPS and
     *     want a client certificate of the cluster's CA, and the scheduler presents its own (so a
     *     store's {@code cert-allowed-cn} must admit the scheduler's name, as it must for its gRPC)
     */
    public ClusterHistory(
            ClusterMeta cluster,
            LongSupplier clockMillis,
            int capacity,
            long intervalMillis,
            Duration scrapeTimeout,
            TlsCredentials tls) {
        if (capacity < 1 || intervalMillis < 1) {
            throw new IllegalArgumentException(
                    "history capacity and interval must be >= 1 (got " + capacity + ", " + intervalMillis + ")");
        }
        this.cluster = cluster;
        this.clockMillis = clockMillis;
        this.capacity = capacity;
        this.intervalMillis = intervalMillis;
        this.scrapeTimeout = scrapeTimeout;
        this.scheme = tls.httpScheme();
        HttpClient.Builder builder = HttpClient.newBuilder().connectTimeout(scrapeTimeout);
        if (tls.enabled()) {
            builder.sslContext(tls.sslContext());
        }
        this.http = builder.build();
    }

    public long intervalMillis() {
        return intervalMillis;
    }

    /** Takes one sample (scraping every store with a status address). */
    public void sample() {
        Map<Long, int[]> counts = new HashMap<>();
        for (RegionInfo r : cluster.regions()) {
            for (Metapb.Peer p : r.region().getPeersList()) {
                counts.computeIfAbsent(p.getStoreId(), k -> new int[2])[1]++;
            }
            r.leaderPeer().ifPresent(l -> counts.computeIfAbsent(l.getStoreId(), k -> new int[2])[0]++);
        }
        TreeMap<Long, StoreSample> rows = new TreeMap<>();
        for (StoreInfo s : cluster.stores()) {
            if (s.store().getState() == Metapb.StoreState.Tombstone) {
                continue;
            }
            int[] c = counts.getOrDefault(s.id(), new int[2]);
            Double ops = null;
            Double p99 = null;
            LatencyHistogram now = scrape(s);
            long at = clockMillis.getAsLong();
            if (now != null) {
                LatencyHistogram before = lastScrape.put(s.id(), now);
                Long beforeAt = lastScrapeMillis.put(s.id(), at);
                if (before != null && beforeAt != null && at > beforeAt) {
                    ops = now.countSince(before) * MILLIS_PER_SECOND / (at - beforeAt);
                    p99 = now.p99MillisSince(before);
                }
            }
            rows.put(s.id(), new StoreSample(s.id(), c[0], c[1], ops, p99));
        }
        synchronized (this) {
            samples.addLast(new Sample(clockMillis.getAsLong(), List.copyOf(rows.values())));
            while (samples.size() > capacity) {
                samples.removeFirst();
            }
        }
    }

    public synchronized Samples samples() {
        return new Samples(intervalMillis, List.copyOf(samples));
    }

    private LatencyHistogram scrape(StoreInfo s) {
        String address = s.store().getStatusAddress();
        if (address.isBlank()) {
            return null;
        }
        try {
            HttpResponse<String> r = http.send(
                    HttpRequest.newBuilder(URI.create(scheme + "://" + address + "/metrics"))
                            .timeout(scrapeTimeout)
                            .GET()
                            .build(),
                    HttpResponse.BodyHandlers.ofString());
            if (r.statusCode() != 200) {
                throw new java.io.IOException("HTTP " + r.statusCode());
            }
            lastScrapeFailure.remove(s.id());
            return LatencyHistogram.parse(r.body());
        } catch (java.io.IOException | RuntimeException e) {
            String why = e.toString();
            if (!why.equals(lastScrapeFailure.put(s.id(), why))) {
                LOG.info(
                        "cannot read store {}'s metrics at {}://{}/metrics for the status page's charts: {}",
                        s.id(),
                        scheme,
                        address,
                        why);
            }
            lastScrape.remove(s.id());
            return null;
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            return null;
        }
    }
}
