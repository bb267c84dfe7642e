package io.tinykv.scheduler;

import static io.tinykv.scheduler.Fixtures.epoch;
import static io.tinykv.scheduler.Fixtures.region;
import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.google.protobuf.ByteString;
import io.grpc.ManagedChannel;
import io.grpc.netty.shaded.io.grpc.netty.NettyChannelBuilder;
import io.grpc.stub.StreamObserver;
import io.prometheus.metrics.model.registry.PrometheusRegistry;
import io.tinykv.proto.Eraftpb;
import io.tinykv.proto.MemComparableCodec;
import io.tinykv.proto.Metapb;
import io.tinykv.proto.PDGrpc;
import io.tinykv.proto.Pdpb;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.net.SocketTimeoutException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HexFormat;
import java.util.List;
import java.util.Optional;
import java.util.SplittableRandom;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * PD's HTTP API on the scheduler's client port, over a real socket, next to gRPC on the same port:
 * every route's JSON, checker pauses as the coordinator sees them, and bad requests.
 */
class PdHttpApiTest {

    private static final long START_MILLIS = 1_700_000_000_000L;
    private static final long WAIT_SECONDS = 30;
    private static final long GIB = 1024L * 1024 * 1024;
    private static final long MIB = 1024L * 1024;
    private static final ObjectMapper JSON = new ObjectMapper();

    @TempDir
    Path dir;

    private final AtomicLong clock = new AtomicLong(START_MILLIS);
    private final HttpClient http = HttpClient.newBuilder()
            .version(HttpClient.Version.HTTP_1_1)
            .connectTimeout(Duration.ofSeconds(WAIT_SECONDS))
            .build();
    private SchedulerServer server;
    private ManagedChannel channel;

    @AfterEach
    void tearDown() throws InterruptedException {
        if (channel != null) {
            channel.shutdownNow().awaitTermination(WAIT_SECONDS, TimeUnit.SECONDS);
        }
        if (server != null) {
            server.close();
        }
        http.close();
    }

    private ClientKeyMode mode = ClientKeyMode.RAW;

    private void start(ClientKeyMode mode) {
        this.mode = mode;
        SchedulerConfig config = SchedulerConfig.defaults(dir.resolve("meta"))
                .withListenAddress(new HostAndPort("127.0.0.1", 0))
                .withClientKeyMode(mode);
        server = SchedulerServer.start(config, clock::get, new SplittableRandom(3), new PrometheusRegistry());
        channel = NettyChannelBuilder.forAddress("127.0.0.1", server.port())
                .usePlaintext()
                .build();
    }

    /**
     * Store 1 holds regions 2 ["", "m") and 10 ["m", "") and leads both; stores 2 and 3 are up and
     * empty; store 1 reported 100 GiB of disk, 40 GiB free, started 60 s ago.
     */
    private void populate() {
        ClusterMeta cluster = server.cluster();
        long now = clock.get();
        cluster.bootstrap(Fixtures.store(1), region(2, "", "", epoch(1, 1), new long[] {3}, new long[] {1}), now);
        cluster.putStore(Fixtures.store(2), now);
        cluster.putStore(Fixtures.store(3), now);
        cluster.storeHeartbeat(
                Pdpb.StoreStats.newBuilder()
                        .setStoreId(1)
                        .setCapacity(100 * GIB)
                        .setAvailable(40 * GIB)
                        .setUsedSize(60 * GIB)
                        .setStartTime((int) (now / 1000 - 60))
                        .build(),
                now);
        // Transactional data is split at encoded user keys (raftstore's SplitKeys); raw data as it is.
        com.google.protobuf.ByteString m = mode == ClientKeyMode.TXN
                ? MemComparableCodec.encode(com.google.protobuf.ByteString.copyFromUtf8("m"))
                : com.google.protobuf.ByteString.copyFromUtf8("m");
        Metapb.Region left = region(2, "", "m", epoch(1, 2), new long[] {3}, new long[] {1}).toBuilder()
                .setEndKey(m)
                .build();
        Metapb.Region right = region(10, "m", "", epoch(1, 2), new long[] {11}, new long[] {1}).toBuilder()
                .setStartKey(m)
                .build();
        cluster.regionHeartbeat(RegionInfo.fromHeartbeat(Fixtures.heartbeat(left, left.getPeers(0)).toBuilder()
                .setApproximateSize(96 * MIB)
                .setApproximateKeys(1000)
                .build()));
        cluster.regionHeartbeat(Fixtures.info(right, right.getPeers(0)));
    }

    private record Reply(int status, JsonNode json, HttpResponse<String> raw) {}

    private Reply get(String path) throws Exception {
        return send(HttpRequest.newBuilder(uri(path)).GET());
    }

    private Reply post(String path, String body) throws Exception {
        return send(HttpRequest.newBuilder(uri(path)).POST(HttpRequest.BodyPublishers.ofString(body)));
    }

    private URI uri(String path) {
        return URI.create("http://127.0.0.1:" + server.port() + path);
    }

    private Reply send(HttpRequest.Builder request) throws Exception {
        HttpResponse<String> r = http.send(
                request.timeout(Duration.ofSeconds(WAIT_SECONDS)).build(), HttpResponse.BodyHandlers.ofString());
        assertThat(r.headers().firstValue("Content-Type")).hasValue("application/json; charset=utf-8");
        return new Reply(r.statusCode(), JSON.readTree(r.body()), r);
    }

    @Test
    void storesShowMetadataStatusAndWhatTheRegionsSay() throws Exception {
        start(ClientKeyMode.RAW);
        populate();
        clock.addAndGet(5_000);
        Reply r = get("/pd/api/v1/stores");
        assertThat(r.status()).isEqualTo(200);
        assertThat(r.json().get("count").asInt()).isEqualTo(3);
        JsonNode one = r.json().get("stores").get(0);
        assertThat(one.at("/store/id").asLong()).isEqualTo(1);
        assertThat(one.at("/store/address").asText())
                .isEqualTo(Fixtures.store(1).getAddress());
        assertThat(one.at("/store/version").asText()).isEqualTo("6.5.0");
        assertThat(one.at("/store/state_name").asText()).isEqualTo("Up");
        assertThat(one.at("/store").has("state"))
                .as("Up is metapb's zero state, left out as Go does")
                .isFalse();
        JsonNode status = one.get("status");
        assertThat(status.get("capacity").asText()).isEqualTo("100GiB");
        assertThat(status.get("available").asText()).isEqualTo("40GiB");
        assertThat(status.get("used_size").asText()).isEqualTo("60GiB");
        assertThat(status.get("region_count").asInt()).isEqualTo(2);
        assertThat(status.get("leader_count").asInt()).isEqualTo(2);
        assertThat(status.get("region_size").asLong()).as("MiB, as PD counts").isEqualTo(96);
        assertThat(status.get("leader_weight").asDouble()).isEqualTo(1.0);
        assertThat(status.get("last_heartbeat_ts").asText()).isEqualTo("2023-11-14T22:13:20Z");
        assertThat(status.get("start_ts").asText()).isEqualTo("2023-11-14T22:12:20Z");
        assertThat(status.get("uptime").asText()).isEqualTo("1m5s");
        JsonNode three = r.json().get("stores").get(2);
        assertThat(three.at("/store/id").asLong()).isEqualTo(3);
        assertThat(three.at("/status/region_count").asInt()).isZero();
        assertThat(three.at("/status/capacity").asText()).isEqualTo("0B");
        assertThat(three.get("status").has("start_ts")).as("no heartbeat yet").isFalse();

        Reply single = get("/pd/api/v1/store/3");
        assertThat(single.status()).isEqualTo(200);
        assertThat(single.json()).isEqualTo(three);
    }

    @Test
    void aQuietStoreIsDisconnectedThenDown() throws Exception {
        start(ClientKeyMode.RAW);
        populate();
        clock.addAndGet(SchedulerConfig.DEFAULT_STORE_DISCONNECT_TIME.toMillis());
        assertThat(get("/pd/api/v1/store/2").json().at("/store/state_name").asText())
                .isEqualTo("Disconnected");
        clock.addAndGet(SchedulerConfig.DEFAULT_MAX_STORE_DOWN_TIME.toMillis());
        assertThat(get("/pd/api/v1/store/2").json().at("/store/state_name").asText())
                .isEqualTo("Down");
    }

    @Test
    void regionsShowHexKeysEpochPeersLeaderAndSize() throws Exception {
        start(ClientKeyMode.RAW);
        populate();
        Reply r = get("/pd/api/v1/regions");
        assertThat(r.status()).isEqualTo(200);
        assertThat(r.json().get("count").asInt()).isEqualTo(2);
        JsonNode left = r.json().get("regions").get(0);
        assertThat(left.get("id").asLong()).isEqualTo(2);
        assertThat(left.get("start_key").asText()).isEmpty();
        assertThat(left.get("end_key").asText()).isEqualTo("6D");
        assertThat(left.at("/epoch/conf_ver").asLong()).isEqualTo(1);
        assertThat(left.at("/epoch/version").asLong()).isEqualTo(2);
        assertThat(left.get("peers")).hasSize(1);
        assertThat(left.at("/peers/0/id").asLong()).isEqualTo(3);
        assertThat(left.at("/peers/0/store_id").asLong()).isEqualTo(1);
        assertThat(left.at("/peers/0/role_name").asText()).isEqualTo("Voter");
        assertThat(left.at("/leader/id").asLong()).isEqualTo(3);
        assertThat(left.get("approximate_size").asLong()).isEqualTo(96);
        assertThat(left.get("approximate_keys").asLong()).isEqualTo(1000);
        assertThat(left.has("down_peers")).isFalse();
        JsonNode right = r.json().get("regions").get(1);
        assertThat(right.get("start_key").asText()).isEqualTo("6D");
        assertThat(right.get("end_key").asText()).isEmpty();

        assertThat(get("/pd/api/v1/region/id/10").json()).isEqualTo(right);
        assertThat(get("/pd/api/v1/region/key/z").json()).isEqualTo(right);
        assertThat(get("/pd/api/v1/region/key/a").json()).isEqualTo(left);
        assertThat(get("/pd/api/v1/region/key/6D?format=hex").json()).isEqualTo(right);
        assertThat(get("/pd/api/v1/region/key/%6d").json()).as("URL-decoded").isEqualTo(right);
    }

    @Test
    void inTxnKeyModeRegionKeysAreTheEncodedOnesClientsUse() throws Exception {
        start(ClientKeyMode.TXN);
        populate();
        String encodedM = HexFormat.of()
                .withUpperCase()
                .formatHex(
                        MemComparableCodec.encode(ByteString.copyFromUtf8("m")).toByteArray());
        JsonNode right = get("/pd/api/v1/region/id/10").json();
        assertThat(right.get("start_key").asText()).isEqualTo(encodedM);
        assertThat(get("/pd/api/v1/region/key/" + encodedM + "?format=hex").json())
                .isEqualTo(right);
        Reply notEncoded = get("/pd/api/v1/region/key/6D?format=hex");
        assertThat(notEncoded.status()).isEqualTo(400);
        assertThat(notEncoded.json().get("error").asText()).isNotBlank();
    }

    @Test
    void clusterMembersHealthVersionAndConfig() throws Exception {
        start(ClientKeyMode.RAW);
        populate();
        String url = "http://" + server.address();

        JsonNode cluster = get("/pd/api/v1/cluster").json();
        assertThat(cluster.get("id").asLong()).isEqualTo(server.clusterId());
        assertThat(cluster.get("max_peer_count").asInt()).isEqualTo(SchedulerConfig.DEFAULT_MAX_REPLICAS);

        JsonNode members = get("/pd/api/v1/members").json();
        assertThat(members.at("/header/cluster_id").asLong()).isEqualTo(server.clusterId());
        assertThat(members.get("members")).hasSize(1);
        assertThat(members.at("/members/0/client_urls/0").asText()).isEqualTo(url);
        assertThat(members.at("/members/0/member_id").asLong()).isEqualTo(SchedulerServer.MEMBER_ID);
        assertThat(members.get("leader")).isEqualTo(members.at("/members/0"));
        assertThat(members.get("etcd_leader")).isEqualTo(members.at("/members/0"));

        JsonNode health = get("/pd/api/v1/health").json();
        assertThat(health.isArray()).isTrue();
        assertThat(health.at("/0/health").asBoolean()).isTrue();
        assertThat(health.at("/0/client_urls/0").asText()).isEqualTo(url);

        assertThat(get("/pd/api/v1/version").json().get("version").asText()).isEqualTo("v6.5.0");

        JsonNode config = get("/pd/api/v1/config").json();
        assertThat(config.at("/replication/max-replicas").asInt()).isEqualTo(SchedulerConfig.DEFAULT_MAX_REPLICAS);
        assertThat(config.at("/schedule/max-store-down-time").asText()).isEqualTo("30m0s");
        assertThat(config.get("advertise-client-urls").asText()).isEqualTo(url);
        assertThat(config.at("/tinykv/client-key-mode").asText()).isEqualTo("raw");
        assertThat(config.at("/tinykv/store-disconnect-time").asText()).isEqualTo("20s");
    }

    /** Region 2 has one replica of three and stores 2 and 3 are up: the replica checker adds one. */
    private Optional<Pdpb.RegionHeartbeatResponse> heartbeatOfUnderReplicatedRegion() {
        Metapb.Region left = region(2, "", "m", epoch(1, 2), new long[] {3}, new long[] {1});
        return server.coordinator().regionHeartbeat(Fixtures.heartbeat(left, left.getPeers(0)), clock.get());
    }

    @Test
    void aPausedReplicaCheckerAddsNoReplicaUntilResumedOrExpired() throws Exception {
        start(ClientKeyMode.RAW);
        populate();
        assertThat(get("/pd/api/v1/checker/replica").json().get("paused").asBoolean())
                .isFalse();

        Reply paused = post("/pd/api/v1/checker/replica", "{\"delay\": 300}");
        assertThat(paused.status()).isEqualTo(200);
        assertThat(paused.json().asText()).isEqualTo("Pause the checker successfully.");
        assertThat(get("/pd/api/v1/checker/replica").json().get("paused").asBoolean())
                .isTrue();
        assertThat(heartbeatOfUnderReplicatedRegion()).isEmpty();
        assertThat(server.coordinator().operator(2)).isEmpty();

        Reply resumed = post("/pd/api/v1/checker/replica", "{\"delay\": 0}");
        assertThat(resumed.json().asText()).isEqualTo("Resume the checker successfully.");
        assertThat(get("/pd/api/v1/checker/replica").json().get("paused").asBoolean())
                .isFalse();
        Optional<Pdpb.RegionHeartbeatResponse> op = heartbeatOfUnderReplicatedRegion();
        assertThat(op).isPresent();
        assertThat(op.get().getChangePeer().getChangeType()).isEqualTo(Eraftpb.ConfChangeType.AddLearnerNode);

        // A pause runs out by itself: PD's delay is "until now + delay".
        post("/pd/api/v1/checker/replica", "{\"delay\": 10}");
        assertThat(get("/pd/api/v1/checker/replica").json().get("paused").asBoolean())
                .isTrue();
        clock.addAndGet(10_000);
        assertThat(get("/pd/api/v1/checker/replica").json().get("paused").asBoolean())
                .isFalse();
    }

    @Test
    void pdsOtherCheckerNamesArePausedAndResumedToo() throws Exception {
        start(ClientKeyMode.RAW);
        assertThat(post("/pd/api/v1/checker/merge", "{\"delay\": 60}").status()).isEqualTo(200);
        assertThat(get("/pd/api/v1/checker/merge").json().get("paused").asBoolean())
                .isTrue();
        assertThat(get("/pd/api/v1/checker/replica").json().get("paused").asBoolean())
                .isFalse();
    }

    @Test
    void badPathsMethodsIdsAndBodiesGetClearErrors() throws Exception {
        start(ClientKeyMode.RAW);
        populate();
        assertError(get("/"), 404, "no route for GET /");
        assertError(get("/pd/api/v1/nothing"), 404, "no route for GET /pd/api/v1/nothing");
        assertError(get("/pd/api/v1/stores/extra"), 404, "no route");
        assertError(get("/pd/api/v1/region/name/x"), 404, "no route");

        Reply postStores = post("/pd/api/v1/stores", "{}");
        assertError(postStores, 405, "POST is not allowed on /pd/api/v1/stores");
        assertThat(postStores.raw().headers().firstValue("Allow")).hasValue("GET");
        Reply delete =
                send(HttpRequest.newBuilder(uri("/pd/api/v1/checker/replica")).DELETE());
        assertError(delete, 405, "DELETE is not allowed");
        assertThat(delete.raw().headers().firstValue("Allow")).hasValue("GET, POST");

        assertError(get("/pd/api/v1/store/abc"), 400, "invalid store id 'abc'");
        assertError(get("/pd/api/v1/store/-1"), 400, "invalid store id '-1'");
        assertError(get("/pd/api/v1/store/99"), 404, "store 99 not found");
        assertError(get("/pd/api/v1/region/id/x1"), 400, "invalid region id 'x1'");
        assertError(get("/pd/api/v1/region/id/77"), 404, "region 77 not found");
        assertError(get("/pd/api/v1/region/key/zz?format=hex"), 400, "invalid hex key 'zz'");
        assertThat(sendRaw("GET /pd/api/v1/region/key/%zz HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n"
                        .getBytes(StandardCharsets.US_ASCII)))
                .startsWith("HTTP/1.1 400 ")
                .contains("\"error\":");

        assertError(get("/pd/api/v1/checker/nope"), 404, "checker nope not found");
        assertError(post("/pd/api/v1/checker/replica", ""), 400, "");
        assertError(post("/pd/api/v1/checker/replica", "not json"), 400, "the body is not JSON");
        assertError(post("/pd/api/v1/checker/replica", "[1]"), 400, "expected a JSON object");
        assertError(post("/pd/api/v1/checker/replica", "{\"pause\": 3}"), 400, "missing pause time");
        assertError(post("/pd/api/v1/checker/replica", "{\"delay\": -1}"), 400, "delay cannot be negative");
        assertError(post("/pd/api/v1/checker/replica", "{\"delay\": 1.5}"), 400, "whole number of seconds");
        assertError(post("/pd/api/v1/checker/replica", "{\"delay\": \"300\"}"), 400, "whole number of seconds");
        assertThat(get("/pd/api/v1/checker/replica").json().get("paused").asBoolean())
                .as("no bad request paused anything")
                .isFalse();
    }

    private static void assertError(Reply reply, int status, String message) {
        assertThat(reply.status()).as(reply.json().toString()).isEqualTo(status);
        assertThat(reply.json().get("error").asText()).isNotBlank().contains(message);
    }

    /**
     * One port, both protocols at once: a TSO stream keeps getting timestamps while another
     * thread reads stores and regions over HTTP/1.1 on the same port.
     */
    @Test
    void grpcTsoAndHttpShareThePortAtTheSameTime() throws Exception {
        start(ClientKeyMode.RAW);
        populate();
        ExecutorService reader = Executors.newSingleThreadExecutor();
        try (TsoStream tso = new TsoStream()) {
            tso.next();
            Future<List<Integer>> statuses = reader.submit(() -> {
                List<Integer> out = new ArrayList<>();
                for (int i = 0; i < 50; i++) {
                    out.add(get(i % 2 == 0 ? "/pd/api/v1/stores" : "/pd/api/v1/regions")
                            .status());
                }
                return out;
            });
            long last = 0;
            int answered = 0;
            while (!statuses.isDone() || answered < 200) {
                long ts = tso.next();
                assertThat(ts).isGreaterThan(last);
                last = ts;
                answered++;
            }
            assertThat(statuses.get(WAIT_SECONDS, TimeUnit.SECONDS)).hasSize(50).containsOnly(200);
        } finally {
            reader.shutdownNow();
        }
    }

    @Test
    void aClientSendingGarbageIsClosedAndTheServerGoesOn() throws Exception {
        start(ClientKeyMode.RAW);
        populate();
        byte[] garbage = new byte[8 * 1024];
        new SplittableRandom(11).nextBytes(garbage);
        garbage[0] = 'X';
        String answer = sendRaw(garbage);
        assertThat(answer).startsWith("HTTP/1.1 400 ");

        byte[] wrongVersion = "GET /pd/api/v1/stores HTTP/9.9\r\n\r\n".getBytes(StandardCharsets.US_ASCII);
        assertThat(sendRaw(wrongVersion)).startsWith("HTTP/1.1 505 ").contains("HTTP/9.9 is not supported");

        // The HTTP/2 preface then nonsense: gRPC's own HTTP/2 handling refuses it and closes.
        byte[] badHttp2 = new byte[1024];
        new SplittableRandom(12).nextBytes(badHttp2);
        System.arraycopy("PRI * HTTP/2.0\r\n\r\nSM\r\n\r\n".getBytes(StandardCharsets.US_ASCII), 0, badHttp2, 0, 24);
        sendRaw(badHttp2);

        assertThat(get("/pd/api/v1/health").status()).isEqualTo(200);
        try (TsoStream tso = new TsoStream()) {
            assertThat(tso.next()).isPositive();
        }
    }

    @Test
    void keepAliveConnectionsServeManyRequestsAndHttp10IsAnsweredInKind() throws Exception {
        start(ClientKeyMode.RAW);
        populate();
        byte[] two = ("GET /pd/api/v1/version HTTP/1.1\r\nHost: x\r\n\r\n"
                        + "GET /pd/api/v1/cluster HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n")
                .getBytes(StandardCharsets.US_ASCII);
        String answers = sendRaw(two);
        assertThat(answers.split("HTTP/1.1 200 OK", -1)).as(answers).hasSize(3);
        assertThat(answers.indexOf("\"version\"")).isLessThan(answers.indexOf("\"max_peer_count\""));

        String old = sendRaw("GET /pd/api/v1/version HTTP/1.0\r\n\r\n".getBytes(StandardCharsets.US_ASCII));
        assertThat(old).startsWith("HTTP/1.0 200 OK").contains("\"version\":\"v6.5.0\"");
    }

    /** Writes {@code bytes} on a fresh connection and reads until the server closes it. */
    private String sendRaw(byte[] bytes) throws IOException {
        try (Socket socket = new Socket()) {
            socket.connect(
                    new InetSocketAddress("127.0.0.1", server.port()), (int) TimeUnit.SECONDS.toMillis(WAIT_SECONDS));
            socket.setSoTimeout((int) TimeUnit.SECONDS.toMillis(WAIT_SECONDS));
            socket.getOutputStream().write(bytes);
            socket.getOutputStream().flush();
            ByteArrayOutputStream got = new ByteArrayOutputStream();
            InputStream in = socket.getInputStream();
            byte[] buf = new byte[4096];
            try {
                for (int n; (n = in.read(buf)) >= 0; ) {
                    got.write(buf, 0, n);
                }
            } catch (SocketTimeoutException e) {
                throw new AssertionError(
                        "the server did not close the connection within " + WAIT_SECONDS + " s; got so far: "
                                + got.toString(StandardCharsets.ISO_8859_1),
                        e);
            } catch (IOException e) {
                // A reset after the server closed with unread input is a close too.
            }
            return got.toString(StandardCharsets.ISO_8859_1);
        }
    }

    /** A TSO stream that asks for one timestamp at a time. */
    private final class TsoStream implements AutoCloseable {
        private final BlockingQueue<Object> received = new LinkedBlockingQueue<>();
        private final StreamObserver<Pdpb.TsoRequest> requests;
        private final CompletableFuture<Void> done = new CompletableFuture<>();

        TsoStream() {
            requests = PDGrpc.newStub(channel).tso(new StreamObserver<>() {
                @Override
                public void onNext(Pdpb.TsoResponse value) {
                    received.add(value);
                }

                @Override
                public void onError(Throwable t) {
                    received.add(t);
                    done.completeExceptionally(t);
                }

                @Override
                public void onCompleted() {
                    done.complete(null);
                }
            });
        }

        long next() throws InterruptedException {
            requests.onNext(Pdpb.TsoRequest.newBuilder()
                    .setHeader(Pdpb.RequestHeader.newBuilder().setClusterId(server.clusterId()))
                    .setCount(1)
                    .build());
            Object o = received.poll(WAIT_SECONDS, TimeUnit.SECONDS);
            assertThat(o).isInstanceOf(Pdpb.TsoResponse.class);
            Pdpb.Timestamp t = ((Pdpb.TsoResponse) o).getTimestamp();
            return (t.getPhysical() << Tso.LOGICAL_BITS) | t.getLogical();
        }

        @Override
        public void close() throws Exception {
            requests.onCompleted();
            done.get(WAIT_SECONDS, TimeUnit.SECONDS);
        }
    }
}
