package io.tinykv.compat;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.google.protobuf.ByteString;
import io.tinykv.client.ClientConfig;
import io.tinykv.client.TinyKvException;
import io.tinykv.client.ctl.CtlCommand;
import io.tinykv.client.raw.RawKvClient;
import io.tinykv.server.playground.PlaygroundLayout;
import io.tinykv.testkit.wait.Await;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;
import java.util.TreeSet;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicReference;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;
import org.junit.jupiter.api.io.TempDir;
import org.openqa.selenium.By;
import org.openqa.selenium.OutputType;
import org.openqa.selenium.WebElement;
import org.openqa.selenium.chrome.ChromeDriver;
import picocli.CommandLine;

/**
 * The scheduler's status page and JSON API on a live 3-store cluster: the API lists the stores and
 * regions as the cluster has them, refuses operations with the reason, and a leader transfer started
 * with {@code tinykv ctl} shows up both in the API and on the page, which headless Chromium loads
 * without console errors.
 */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
class DashboardCompatTest {
    private static final Duration STARTUP = Duration.ofSeconds(180);
    private static final Duration WAIT = Duration.ofSeconds(60);
    private static final int KEYS = 50;
    private static final String SPLIT_KEY = "key025";

    private LocalCluster cluster;
    private DashboardApi api;

    @BeforeAll
    void startCluster(@TempDir Path dir) throws Exception {
        cluster = LocalCluster.startWithStatusPage(dir, 3);
        cluster.awaitServing(STARTUP);
        api = new DashboardApi(cluster.schedulerStatusAddress());
        try (RawKvClient client = RawKvClient.create(ClientConfig.of(List.of(cluster.pdAddress())))) {
            for (int i = 0; i < KEYS; i++) {
                ByteString k = key(i);
                ByteString v = ByteString.copyFromUtf8("value" + i);
                // Set-up, not what the tests check: a put past the client's deadline on a loaded machine
                // is tried again.
                UntilDone.run("put " + k.toStringUtf8(), WAIT, () -> client.put(k, v));
            }
        }
        // Transfers asked for by the tests must stay where they were put.
        CtlRun paused = ctlUntilAnswered("scheduler", "pause", "balance-leader-scheduler");
        assertThat(paused.exit()).as(paused.err()).isZero();
        // One operator per region at a time: the scheduler may still be finishing the replica
        // placement it began at start-up (seen in CI: add_peer running, "2 of 3 replicas"), and
        // answers 409 until it has. Asked again until it takes the split.
        String split = "{\"type\": \"split\", \"key\": \"" + SPLIT_KEY + "\"}";
        AtomicReference<DashboardApi.Answer> last = new AtomicReference<>();
        Await.until(
                () -> {
                    last.set(api.call("POST", "operators", split));
                    return last.get().status() == 200;
                },
                WAIT,
                () -> "the split was refused: " + last.get());
        Await.until(
                () -> {
                    JsonNode regions = api.get("regions").path("regions");
                    if (regions.size() != 2) {
                        return false;
                    }
                    for (JsonNode r : regions) {
                        // Caught up too: the scheduler refuses a transfer to a pending peer (seen loaded: "peer 6
                        // of region 4 on store 2 is still catching up"), and the tests transfer leaders.
                        if (r.path("peers").size() != 3
                                || r.path("leader").isMissingNode()
                                || !r.path("pending_peers").isArray()
                                || !r.path("pending_peers").isEmpty()) {
                            return false;
                        }
                    }
                    return true;
                },
                WAIT,
                () -> "the split at " + SPLIT_KEY + " with 3 caught-up replicas each: " + api.get("regions") + "\n"
                        + cluster.logs());
    }

    @AfterAll
    void stopCluster() {
        if (api != null) {
            api.close();
        }
        if (cluster != null) {
            cluster.close();
        }
    }

    private static ByteString key(int i) {
        return ByteString.copyFromUtf8(String.format("key%03d", i));
    }

    record CtlRun(int exit, String out, String err) {}

    /**
     * {@code ctl operator transfer-leader}, asked again while the scheduler says the target is still
     * catching up, as its refusal advises: the other test's transfer gave the region a new leader,
     * whose followers count as catching up until it has heard from them and said so.
     */
    private CtlRun transferLeaderByCtl(long regionId, long toStoreId) {
        return ctlUntilAnswered("operator", "transfer-leader", Long.toString(regionId), Long.toString(toStoreId));
    }

    /**
     * A ctl command, run again while its failure is one a loaded machine causes and that passes: the
     * scheduler's HTTP answer later than ctl's deadline ("cannot be reached"), or a refusal that says to
     * try again (a target peer still catching up or reported down after a missed heartbeat, another
     * operator still running on the region). Any other answer, success or refusal, is returned.
     */
    private CtlRun ctlUntilAnswered(String... args) {
        AtomicReference<CtlRun> last = new AtomicReference<>();
        Await.until(
                () -> {
                    last.set(ctl(args));
                    String err = last.get().err();
                    return last.get().exit() == 0
                            || !(err.contains("try again once") || err.contains("cannot be reached"));
                },
                WAIT,
                () -> "ctl " + String.join(" ", args) + " kept failing for a passing reason: "
                        + last.get().err());
        return last.get();
    }

    private CtlRun ctl(String... args) {
        StringWriter out = new StringWriter();
        StringWriter err = new StringWriter();
        List<String> all = new ArrayList<>(List.of(args));
        all.addAll(List.of("--pd", cluster.pdAddress()));
        int exit = new CommandLine(new CtlCommand())
                .setOut(new PrintWriter(out))
                .setErr(new PrintWriter(err))
                .execute(all.toArray(String[]::new));
        return new CtlRun(exit, out.toString(), err.toString());
    }

    /** The region holding {@code key001} and a follower store of it. */
    private long[] regionAndFollower() {
        JsonNode region = api.get("region/key/key001");
        long leader = region.path("leader").path("store_id").asLong();
        for (JsonNode p : region.path("peers")) {
            if (p.path("store_id").asLong() != leader) {
                return new long[] {
                    region.path("id").asLong(), p.path("store_id").asLong()
                };
            }
        }
        throw new AssertionError("region without a follower: " + region);
    }

    @Test
    void theApiShowsTheClusterAndRefusesOperationsWithTheReason() {
        JsonNode stores = api.get("stores");
        assertThat(stores.path("count").asInt()).isEqualTo(3);
        int replicas = 0;
        int leaders = 0;
        for (JsonNode s : stores.path("stores")) {
            assertThat(s.path("state").asText()).isEqualTo("Up");
            assertThat(s.path("capacity_bytes").asLong()).isPositive();
            replicas += s.path("region_count").asInt();
            leaders += s.path("leader_count").asInt();
        }
        assertThat(replicas).isEqualTo(6);
        assertThat(leaders).isEqualTo(2);

        JsonNode second = api.get("regions?q=key:key030");
        assertThat(second.path("matched").asInt()).isEqualTo(1);
        assertThat(second.at("/regions/0/start_key").asText()).isEqualTo(SPLIT_KEY);
        assertThat(api.get("regions?limit=1&offset=1").path("regions").size()).isEqualTo(1);
        long someStore = stores.at("/stores/0/id").asLong();
        assertThat(api.get("regions?q=store:" + someStore).path("matched").asInt())
                .isEqualTo(2);
        assertThat(api.call("GET", "regions?limit=0", null).body().path("error").asText())
                .contains("limit must be between 1 and");
        // The client port answers the same API (what tinykv ctl uses).
        assertThat(new DashboardApi(cluster.pdAddress())
                        .get("stores")
                        .path("count")
                        .asInt())
                .isEqualTo(3);

        long[] rf = regionAndFollower();
        DashboardApi.Answer refused = api.call(
                "POST",
                "operators",
                "{\"type\": \"remove-peer\", \"region_id\": " + rf[0] + ", \"store_id\": " + rf[1] + "}");
        assertThat(refused.status()).isEqualTo(409);
        assertThat(refused.body().path("error").asText()).contains("under-replicated");
        refused = api.call("POST", "stores/" + someStore + "/state", "{\"state\": \"offline\"}");
        assertThat(refused.status()).isEqualTo(409);
        assertThat(refused.body().path("error").asText()).contains("would leave 2 store(s) up");
        assertThat(api.call(
                                "POST",
                                "operators",
                                "{\"type\": \"transfer-leader\", \"region_id\": 999999, \"store_id\": 1}")
                        .status())
                .isEqualTo(404);
        assertThat(api.call("POST", "operators", "{\"type\": \"teleport\"}")
                        .body()
                        .path("error")
                        .asText())
                .contains("unknown operator type");

        JsonNode status = api.get("status");
        assertThat(status.path("under_replicated").size()).isZero();
        assertThat(status.at("/tso/physical_millis").asLong()).isPositive();
        assertThat(status.path("region_count").asInt()).isEqualTo(2);

        // A leader transfer from ctl shows in the API; a refusal from ctl says why and exits 3.
        CtlRun moved = transferLeaderByCtl(rf[0], rf[1]);
        assertThat(moved.exit()).as(moved.err()).isZero();
        assertThat(moved.out()).contains("created transfer_leader operator for region " + rf[0]);
        Await.until(() -> api.leaderStore(rf[0]) == rf[1], WAIT, "region " + rf[0] + " led from store " + rf[1]);
        Await.until(
                () -> {
                    for (JsonNode op : api.get("operators").path("recent")) {
                        if (op.path("region_id").asLong() == rf[0]
                                && op.path("kind").asText().equals("transfer_leader")
                                && op.path("status").asText().equals("finished")) {
                            return true;
                        }
                    }
                    return false;
                },
                WAIT,
                "the transfer listed as finished");
        CtlRun shown = ctl("region", "--key", "key001");
        assertThat(shown.exit()).as(shown.err()).isZero();
        assertThat(shown.out()).contains("leader: peer").contains("on store " + rf[1]);
        CtlRun refusedByCtl = ctl("operator", "remove-peer", Long.toString(rf[0]), Long.toString(rf[1]));
        assertThat(refusedByCtl.exit()).isEqualTo(CtlCommand.EXIT_FAILURE);
        assertThat(refusedByCtl.err()).contains("under-replicated");
    }

    @Test
    void thePageListsTheClusterWithoutConsoleErrorsAndShowsALeaderTransferFromCtl() throws Exception {
        AtomicBoolean writing = new AtomicBoolean(true);
        AtomicInteger writes = new AtomicInteger();
        Thread load = Thread.ofPlatform().daemon().name("dashboard-load").start(() -> {
            try (RawKvClient client = RawKvClient.create(ClientConfig.of(List.of(cluster.pdAddress())))) {
                for (int i = 0; writing.get(); i++) {
                    try {
                        client.put(key(i % KEYS), ByteString.copyFromUtf8("load" + i));
                        writes.incrementAndGet();
                    } catch (TinyKvException e) {
                        // Load, not a check: a put past its deadline must not end the load the charts
                        // wait for; anything else is a fault the load should not hide.
                        if (!UntilDone.isTransient(e)) {
                            throw e;
                        }
                    }
                }
            }
        });
        ChromeDriver chrome = HeadlessChromium.start();
        try {
            chrome.get("http://" + cluster.schedulerStatusAddress() + "/?refresh=500");
            Await.until(
                    () -> rows(chrome, "stores") == 3 && rows(chrome, "regions") == 2,
                    WAIT,
                    () -> "3 stores and 2 regions on the page: "
                            + chrome.findElement(By.tagName("body")).getText());
            assertThat(chrome.findElement(By.id("stores")).getText()).contains("Up");

            long[] rf = regionAndFollower();
            CtlRun moved = transferLeaderByCtl(rf[0], rf[1]);
            assertThat(moved.exit()).as(moved.err()).isZero();
            Await.until(
                    () -> regionRow(chrome, rf[0]).contains("store " + rf[1]),
                    WAIT,
                    () -> "region " + rf[0] + " shown led from store " + rf[1] + ": " + regionRow(chrome, rf[0]));

            chrome.findElement(By.id("region-query")).sendKeys("key:key030");
            chrome.findElement(By.cssSelector("#region-search button[type=submit]"))
                    .click();
            Await.until(() -> rows(chrome, "regions") == 1, WAIT, "the search narrowed to one region");

            // The charts need a few samples of requests (one every 5 s) before the screenshot.
            Await.until(
                    () -> {
                        int withOps = 0;
                        for (JsonNode s : api.get("history").path("samples")) {
                            for (JsonNode st : s.path("stores")) {
                                if (st.path("ops_per_second").asDouble() > 0) {
                                    withOps++;
                                    break;
                                }
                            }
                        }
                        return withOps >= 3;
                    },
                    WAIT,
                    "three chart samples with requests");
            Await.until(() -> chrome.findElements(By.cssSelector(".uplot")).size() == 4, WAIT, "four charts drawn");
            assertThat(writes.get()).isPositive();
            Path shot = Path.of("target", "dashboard-3-stores-under-load.png");
            Files.createDirectories(shot.getParent());
            Files.write(shot, chrome.getScreenshotAs(OutputType.BYTES));

            assertThat(HeadlessChromium.consoleErrors(chrome))
                    .as("console errors")
                    .isEmpty();
        } finally {
            writing.set(false);
            chrome.quit();
            load.join(WAIT.toMillis());
        }
    }

    /**
     * Every metric the Grafana dashboard names is exported by the live cluster's processes, and the
     * example prometheus.yml scrapes the playground's status addresses.
     */
    @Test
    void theGrafanaDashboardAndPrometheusExampleUseOnlyWhatTheClusterExports() throws Exception {
        Set<String> exported = new TreeSet<>();
        List<String> endpoints = new ArrayList<>(List.of(cluster.schedulerStatusAddress()));
        for (int i = 1; i <= 3; i++) {
            endpoints.add(cluster.storeStatusAddress(i));
        }
        try (HttpClient http = HttpClient.newHttpClient()) {
            for (String endpoint : endpoints) {
                String text = http.send(
                                HttpRequest.newBuilder(URI.create("http://" + endpoint + "/metrics"))
                                        .build(),
                                HttpResponse.BodyHandlers.ofString())
                        .body();
                exported.addAll(MetricNames.exported(text));
            }
        }
        Path grafana = Path.of("..", "grafana");
        String dashboard = Files.readString(grafana.resolve("tinykv-dashboard.json"));
        Set<String> used =
                MetricNames.usedInExpressions(new com.fasterxml.jackson.databind.ObjectMapper().readTree(dashboard));
        assertThat(used).as("metrics the dashboard uses").hasSizeGreaterThan(10);
        assertThat(exported).as("exported by the scheduler and stores").containsAll(used);

        String prometheus = Files.readString(grafana.resolve("prometheus.yml"));
        PlaygroundLayout playground = new PlaygroundLayout(
                Path.of("unused"), "127.0.0.1", 3, 2379, 20160, io.tinykv.scheduler.ClientKeyMode.RAW);
        assertThat(prometheus).contains("'" + playground.schedulerStatusAddress() + "'");
        for (int i = 1; i <= 3; i++) {
            assertThat(prometheus).contains("'" + playground.storeStatusAddress(i) + "'");
        }
    }

    private static int rows(ChromeDriver chrome, String table) {
        return chrome.findElements(By.cssSelector("#" + table + " tbody tr")).size();
    }

    /** The region's row as text; empty when it is not shown (or was redrawn while being read). */
    private static String regionRow(ChromeDriver chrome, long regionId) {
        try {
            for (WebElement row : chrome.findElements(By.cssSelector("#regions tbody tr"))) {
                List<WebElement> cells = row.findElements(By.tagName("td"));
                if (!cells.isEmpty() && cells.get(0).getText().equals(Long.toString(regionId))) {
                    return row.getText();
                }
            }
        } catch (org.openqa.selenium.StaleElementReferenceException e) {
            return "";
        }
        return "";
    }
}
