package io.tinykv.compat;

import static org.assertj.core.api.Assertions.assertThat;

import com.google.protobuf.ByteString;
import io.prometheus.metrics.exporter.httpserver.HTTPServer;
import io.prometheus.metrics.model.registry.PrometheusRegistry;
import io.tinykv.proto.Metapb;
import io.tinykv.scheduler.ClusterMeta;
import io.tinykv.scheduler.HostAndPort;
import io.tinykv.scheduler.RegionInfo;
import io.tinykv.scheduler.SchedulerConfig;
import io.tinykv.scheduler.SchedulerServer;
import io.tinykv.scheduler.dashboard.DashboardHandler;
import io.tinykv.security.TlsCredentials;
import io.tinykv.testkit.wait.Await;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Path;
import java.security.SecureRandom;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.Locale;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.openqa.selenium.By;
import org.openqa.selenium.chrome.ChromeDriver;

/**
 * A measurement, not a test of speed (run it by name: {@code -Dtest=DashboardScaleMeasurement}): the
 * status page's region list with {@value #REGIONS} regions. An in-process scheduler learns them from
 * heartbeats of three stores' peers; then, {@value #ROUNDS} times each, the API's first page, the
 * full list paged through, a search, and in headless Chromium the page's load until the first page
 * of regions shows and the render time of one page (the page's own performance.now() count). Prints
 * the medians; asserts only that the answers hold what was put in.
 */
class DashboardScaleMeasurement {
    private static final int REGIONS = 10_000;
    private static final int ROUNDS = 7;
    private static final int PAGE = 1_000;
    private static final Duration WAIT = Duration.ofSeconds(60);

    @TempDir
    Path dir;

    @Test
    void regionListWithTenThousandRegions() throws Exception {
        SchedulerConfig config =
                SchedulerConfig.defaults(dir.resolve("scheduler")).withListenAddress(HostAndPort.parse("127.0.0.1:0"));
        try (SchedulerServer scheduler = SchedulerServer.start(
                        config,
                        System::currentTimeMillis,
                        new SecureRandom(),
                        new PrometheusRegistry(),
                        TlsCredentials.plaintext());
                HTTPServer status = HTTPServer.builder()
                        .hostname("127.0.0.1")
                        .port(0)
                        .registry(new PrometheusRegistry())
                        .defaultHandler(new DashboardHandler(scheduler.dashboard()))
                        .buildAndStart();
                HttpClient http = HttpClient.newHttpClient()) {
            fill(scheduler.cluster());
            String base = "http://127.0.0.1:" + status.getPort();

            List<Double> firstPage = new ArrayList<>();
            List<Double> allPages = new ArrayList<>();
            List<Double> search = new ArrayList<>();
            for (int round = 0; round < ROUNDS; round++) {
                long t0 = System.nanoTime();
                String body = get(http, base + "/api/v1/regions?limit=100");
                firstPage.add(millisSince(t0));
                assertThat(body).contains("\"total\":" + REGIONS);
                t0 = System.nanoTime();
                for (int offset = 0; offset < REGIONS; offset += PAGE) {
                    get(http, base + "/api/v1/regions?limit=" + PAGE + "&offset=" + offset);
                }
                allPages.add(millisSince(t0));
                t0 = System.nanoTime();
                body = get(http, base + "/api/v1/regions?q=key:k07777x");
                search.add(millisSince(t0));
                assertThat(body).contains("\"matched\":1");
            }

            List<Double> load = new ArrayList<>();
            List<Double> render = new ArrayList<>();
            ChromeDriver chrome = HeadlessChromium.start();
            try {
                for (int round = 0; round < ROUNDS; round++) {
                    long t0 = System.nanoTime();
                    chrome.get(base + "/?refresh=600000");
                    Await.until(
                            () -> chrome.findElements(By.cssSelector("#regions tbody tr"))
                                            .size()
                                    == 100,
                            WAIT,
                            "the first page of regions");
                    load.add(millisSince(t0));
                    render.add(((Number) chrome.executeScript("return window.tinykvRegionRenderMillis")).doubleValue());
                }
                assertThat(chrome.findElement(By.id("region-count")).getText()).contains(REGIONS + " regions");
                assertThat(HeadlessChromium.consoleErrors(chrome)).isEmpty();
            } finally {
                chrome.quit();
            }
            System.out.printf(
                    Locale.ROOT,
                    "dashboard with %d regions, median of %d (ms): API first page %.1f, "
                            + "all %d pages of %d %.1f, search %.1f; page load to first page shown %.1f, render of a page %.1f%n",
                    REGIONS,
                    ROUNDS,
                    median(firstPage),
                    REGIONS / PAGE,
                    PAGE,
                    median(allPages),
                    median(search),
                    median(load),
                    median(render));
        }
    }

    /** Three stores and {@value #REGIONS} regions of three peers, as their heartbeats would report them. */
    private static void fill(ClusterMeta cluster) {
        long now = System.currentTimeMillis();
        long id = 100;
        List<Long> stores = List.of(1L, 2L, 3L);
        cluster.bootstrap(
                store(1),
                Metapb.Region.newBuilder()
                        .setId(++id)
                        .setRegionEpoch(
                                Metapb.RegionEpoch.newBuilder().setVersion(1).setConfVer(1))
                        .addPeers(Metapb.Peer.newBuilder().setId(++id).setStoreId(1))
                        .build(),
                now);
        cluster.putStore(store(2), now);
        cluster.putStore(store(3), now);
        for (int i = 0; i < REGIONS; i++) {
            Metapb.Region.Builder r = Metapb.Region.newBuilder()
                    .setId(++id)
                    .setStartKey(i == 0 ? ByteString.EMPTY : boundary(i))
                    .setEndKey(i == REGIONS - 1 ? ByteString.EMPTY : boundary(i + 1))
                    .setRegionEpoch(
                            Metapb.RegionEpoch.newBuilder().setVersion(2).setConfVer(3));
            for (long s : stores) {
                r.addPeers(Metapb.Peer.newBuilder().setId(++id).setStoreId(s));
            }
            Metapb.Region region = r.build();
            cluster.regionHeartbeat(
                    new RegionInfo(region, region.getPeers(i % 3), List.of(), List.of(), 1 << 20, 1000, 5));
        }
        assertThat(cluster.regionCount()).isEqualTo(REGIONS);
    }

    private static ByteString boundary(int i) {
        return ByteString.copyFromUtf8(String.format("k%05d", i));
    }

    private static Metapb.Store store(long id) {
        return Metapb.Store.newBuilder()
                .setId(id)
                .setAddress("127.0.0.1:" + (30000 + id))
                .build();
    }

    private static String get(HttpClient http, String url) throws Exception {
        HttpResponse<String> r =
                http.send(HttpRequest.newBuilder(URI.create(url)).build(), HttpResponse.BodyHandlers.ofString());
        assertThat(r.statusCode()).as(r.body()).isEqualTo(200);
        return r.body();
    }

    private static double millisSince(long startNanos) {
        return (System.nanoTime() - startNanos) / 1e6;
    }

    private static double median(List<Double> values) {
        List<Double> sorted = new ArrayList<>(values);
        Collections.sort(sorted);
        return sorted.get(sorted.size() / 2);
    }
}
