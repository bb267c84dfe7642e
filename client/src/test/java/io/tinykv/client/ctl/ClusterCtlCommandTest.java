package io.tinykv.client.ctl;

import static io.tinykv.client.FakeCluster.utf8;
import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.tinykv.client.FakeClock;
import io.tinykv.client.FakeCluster;
import io.tinykv.client.FakeEnv;
import io.tinykv.client.pd.PdClient;
import io.tinykv.testkit.net.RefusedPort;
import java.io.IOException;
import java.io.StringReader;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import picocli.CommandLine;

/** {@code ctl stores} and {@code ctl regions} against a fake PD. */
class ClusterCtlCommandTest {
    private static final ObjectMapper JSON = new ObjectMapper();
    /** 2026-01-02T03:04:05Z plus some nanoseconds, as PD stores a heartbeat. */
    private static final long HEARTBEAT_NS = 1_767_323_045_123_456_789L;

    private FakeCluster cluster;
    private FakeEnv env;

    @BeforeEach
    void setUp() {
        cluster = FakeCluster.threeRegions();
        env = new FakeEnv(cluster);
    }

    @AfterEach
    void tearDown() {
        env.close();
    }

    private CtlRun run(PdClientFactory pdFactory, String... args) {
        CtlCommand ctl = new CtlCommand(
                config -> {
                    throw new AssertionError("cluster commands must not open a key-value client");
                },
                config -> {
                    throw new AssertionError("cluster commands must not open a transactional client");
                },
                pdFactory,
                new StringReader(""));
        return CtlRun.of(ctl, args);
    }

    private CtlRun ctl(String... args) {
        List<String> all = new ArrayList<>(List.of("--pd", env.pdAddresses().get(0)));
        all.addAll(List.of(args));
        FakeClock clock = new FakeClock();
        return run(config -> PdClient.connect(config, env.channelFactory(), clock), all.toArray(String[]::new));
    }

    private static String lines(String... lines) {
        return String.join("\n", lines) + "\n";
    }

    @Test
    void storesTableCountsReplicasAndLeadersPerStore() {
        cluster.transferLeader(3, 1); // store 1 now leads regions 1 and 3, store 3 none
        cluster.setLastHeartbeatNs(2, HEARTBEAT_NS);

        CtlRun stores = ctl("stores");

        assertThat(stores.err()).isEmpty();
        assertThat(stores.exitCode()).isZero();
        String pad = " ".repeat(env.storeAddress(1, 0).length() - "ADDRESS".length());
        assertThat(stores.out())
                .isEqualTo(lines(
                        "ID  ADDRESS" + pad + "  STATE  REGIONS  LEADERS  VERSION  LAST_HEARTBEAT",
                        "1   " + env.storeAddress(1, 0) + "  Up     3        2        -        -",
                        "2   " + env.storeAddress(2, 0) + "  Up     3        1        -        2026-01-02T03:04:05Z",
                        "3   " + env.storeAddress(3, 0) + "  Up     3        0        -        -"));
    }

    @Test
    void heartbeatsInMillisecondsAreReadAsSuch() {
        assertThat(StoresCommand.heartbeat(HEARTBEAT_NS)).isEqualTo("2026-01-02T03:04:05Z");
        assertThat(StoresCommand.heartbeat(0)).isEqualTo("-");
    }

    @Test
    void storesJsonIsMachineReadable() throws IOException {
        cluster.setLastHeartbeatNs(1, HEARTBEAT_NS);

        CtlRun stores = ctl("stores", "--json");

        assertThat(stores.exitCode()).isZero();
        JsonNode root = JSON.readTree(stores.out());
        assertThat(root.get("count").asInt()).isEqualTo(3);
        JsonNode first = root.get("stores").get(0);
        assertThat(first.get("id").asLong()).isEqualTo(1);
        assertThat(first.get("address").asText()).isEqualTo(env.storeAddress(1, 0));
        assertThat(first.get("state").asText()).isEqualTo("Up");
        assertThat(first.get("region_count").asInt()).isEqualTo(3);
        assertThat(first.get("leader_count").asInt()).isEqualTo(1);
        assertThat(first.get("last_heartbeat").asText()).isEqualTo("2026-01-02T03:04:05Z");
        assertThat(root.get("stores").get(1).get("last_heartbeat").isNull()).isTrue();
        assertThat(root.get("stores"))
                .extracting(node -> node.get("id").asLong())
                .containsExactly(1L, 2L, 3L);
    }

    @Test
    void regionsTableShowsRangesEpochsPeersAndLeaders() {
        cluster.split(utf8("m")); // region 1000 ["m", "p") at epoch 1/2, split off region 2
        cluster.reportDownPeer(3, 2, 42);
        cluster.setNoLeader(1);

        CtlRun regions = ctl("regions");

        assertThat(regions.err()).isEmpty();
        assertThat(regions.exitCode()).isZero();
        assertThat(regions.out())
                .isEqualTo(lines(
                        "ID    START  END   EPOCH  PEERS                       LEADER    DOWN   PENDING",
                        "1     -inf   \"g\"   1/1    101@1,102@2,103@3           -         -      -",
                        "2     \"g\"    \"m\"   1/2    201@1,202@2,203@3           202@2     -      -",
                        "1000  \"m\"    \"p\"   1/2    100001@1,100002@2,100003@3  100002@2  -      -",
                        "3     \"p\"    +inf  1/1    301@1,302@2,303@3           303@3     302@2  -"));
    }

    @Test
    void regionsSelectsARangeAndPrintsKeysInTheChosenFormat() throws IOException {
        CtlRun hex = ctl("--hex", "regions", "--start", "68", "--end", "71"); // ["h", "q")

        assertThat(hex.exitCode()).isZero();
        assertThat(hex.out())
                .contains("\n2   67     70   ")
                .contains("\n3   70     +inf")
                .doesNotContain("-inf");

        JsonNode json = JSON.readTree(ctl("regions", "--json", "--limit", "2").out());
        assertThat(json.get("count").asInt()).isEqualTo(2);
        JsonNode first = json.get("regions").get(0);
        assertThat(first.get("start_key").asText()).isEmpty();
        assertThat(first.get("end_key").asText()).isEqualTo("g");
        assertThat(first.get("epoch").get("conf_ver").asLong()).isEqualTo(1);
        assertThat(first.get("peers"))
                .extracting(p -> p.get("store_id").asLong())
                .containsExactly(1L, 2L, 3L);
        assertThat(first.get("leader").get("id").asLong()).isEqualTo(101);
        assertThat(first.get("down_peers")).isEmpty();
    }

    @Test
    void regionsAreReadPageByPageWhenThereAreMany() throws IOException {
        int splits = RegionScan.PAGE_SIZE_REGIONS + 10;
        for (int i = 0; i < splits; i++) {
            cluster.split(utf8(String.format("p%05d", i)));
        }

        CtlRun regions = ctl("regions", "--json");

        assertThat(regions.exitCode()).isZero();
        JsonNode root = JSON.readTree(regions.out());
        assertThat(root.get("count").asInt()).isEqualTo(3 + splits);
        List<Long> ids = new ArrayList<>();
        root.get("regions").forEach(r -> ids.add(r.get("id").asLong()));
        assertThat(ids).doesNotHaveDuplicates();
        assertThat(env.pdCalls("ScanRegions")).isEqualTo(2);
    }

    @Test
    void badArgumentsAreUsageErrors() {
        assertThat(ctl("regions", "--limit", "-1").exitCode()).isEqualTo(CtlCommand.EXIT_USAGE);
        assertThat(ctl("regions", "--start", "z", "--end", "a").err()).contains("--start must not be after --end");
        CtlRun cf = ctl("stores", "--cf", "lock");
        assertThat(cf.exitCode()).isEqualTo(CtlCommand.EXIT_USAGE);
        assertThat(cf.err()).contains("--cf does not apply to stores");
        assertThat(ctl("--hex", "regions", "--start", "zz").err()).contains("--start 'zz' is not hex");
    }

    @Test
    void helpNeedsNoCluster() {
        for (String sub : List.of("stores", "regions")) {
            CtlRun help = run(
                    config -> {
                        throw new AssertionError("help must not connect");
                    },
                    sub,
                    "--help");
            assertThat(help.exitCode()).as(sub).isZero();
            assertThat(help.out())
                    .as(sub)
                    .contains("Usage: ctl " + sub)
                    .contains("--json")
                    .contains("--pd");
        }
    }

    @Test
    void unreachablePdIsAFailureWithAClearMessage() throws IOException {
        // Held bound, never listening: refused, and no other process can start listening there meanwhile.
        try (RefusedPort closedPort = new RefusedPort()) {
            String address = closedPort.address();

            // A refused connection comes back at once; the deadline only has to outlast a busy machine
            // setting up its first channel, or the answer would be "no answer within ..." instead.
            String deadline = CtlCommandTest.UNREACHABLE_DEADLINE_MS;
            CtlRun stores = run(PdClient::connect, "--pd", address, "--timeout-ms", deadline, "stores");
            CtlRun regions = run(PdClient::connect, "--pd", address, "--timeout-ms", deadline, "regions");

            for (CtlRun r : List.of(stores, regions)) {
                assertThat(r.exitCode()).isEqualTo(CtlCommand.EXIT_FAILURE);
                assertThat(r.out()).isEmpty();
                assertThat(r.err()).isEqualTo("error: cannot reach PD at " + address + ": connection refused\n");
            }
        }
    }

    @Test
    void theCommandAsTheProcessBuildsItHasTheClusterSubcommands() {
        CommandLine command = new CommandLine(new CtlCommand());
        assertThat(command.getSubcommands()).containsKeys("stores", "regions");
    }
}
