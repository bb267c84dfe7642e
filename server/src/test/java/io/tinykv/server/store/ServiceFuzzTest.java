package io.tinykv.server.store;

import static org.assertj.core.api.Assertions.assertThat;

import com.google.protobuf.ByteString;
import com.google.protobuf.InvalidProtocolBufferException;
import com.google.protobuf.Message;
import io.grpc.CallOptions;
import io.grpc.ClientCall;
import io.grpc.ManagedChannel;
import io.grpc.Metadata;
import io.grpc.MethodDescriptor;
import io.grpc.ServiceDescriptor;
import io.grpc.Status;
import io.grpc.StatusRuntimeException;
import io.grpc.health.v1.HealthCheckRequest;
import io.grpc.health.v1.HealthCheckResponse;
import io.grpc.health.v1.HealthGrpc;
import io.grpc.netty.shaded.io.grpc.netty.NettyChannelBuilder;
import io.grpc.stub.ClientCalls;
import io.prometheus.metrics.model.registry.PrometheusRegistry;
import io.tinykv.proto.Kvrpcpb;
import io.tinykv.proto.Metapb;
import io.tinykv.proto.PDGrpc;
import io.tinykv.proto.Pdpb;
import io.tinykv.proto.PeerGrpc;
import io.tinykv.proto.TikvGrpc;
import io.tinykv.scheduler.HostAndPort;
import io.tinykv.scheduler.SchedulerConfig;
import io.tinykv.scheduler.SchedulerServer;
import io.tinykv.storage.HaltRecorder;
import java.io.ByteArrayInputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.SecureRandom;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.Set;
import java.util.TreeMap;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.LongAdder;
import java.util.stream.Stream;
import net.jqwik.api.ForAll;
import net.jqwik.api.Property;
import net.jqwik.api.lifecycle.AfterContainer;
import net.jqwik.api.lifecycle.BeforeContainer;

/**
 * Sends random and mutated protobufs — and plain random bytes — to every RPC of every service of
 * in-process servers (a store's {@code tikvpb.Tikv} and store-to-store {@code peerpb.Peer}; a
 * scheduler's {@code pdpb.PD}) and checks after each try that they still serve, that no
 * durability path halted the store, that data written before the fuzzing, in a region the fuzzer
 * never names, reads back unchanged, and that no call met a bug (INTERNAL, or UNKNOWN for a
 * request that parses: a handler that threw). The counts (calls, answers, errors by status) are
 * printed at the end and written to {@code target/fuzz-counts.txt}.
 *
 * <p>The fuzzed scheduler is not the store's own: without authentication (issue 15 item 2, another
 * branch) anyone may legitimately {@code PutStore} and heartbeat fake regions, and the store's
 * scheduler would then move its replicas onto stores that do not exist.
 *
 * <p>Cost: {@value #DEFAULT_ROUNDS} round(s) of one call per RPC per try; {@code -Dtinykv.fuzz.rounds=N}
 * sends N times as many.
 */
class ServiceFuzzTest {

    private static final int DEFAULT_ROUNDS = 1;
    private static final int ROUNDS = Integer.getInteger("tinykv.fuzz.rounds", DEFAULT_ROUNDS);
    private static final long CALL_DEADLINE_MILLIS = 3_000;
    private static final int SEEDED_KEYS = 20;
    private static final int MAX_STREAM_MESSAGES = 3;
    private static final int RANDOM_BYTES = 256;
    /** Fields whose bound is not enforced yet (issue 15 item 4, another branch): kept small. */
    private static final Set<String> UNBOUNDED_FIELDS = Set.of("split_count");

    private static Path dir;
    private static SchedulerServer scheduler;
    private static SchedulerServer fuzzedScheduler;
    private static StoreServer store;
    private static final HaltRecorder HALTS = new HaltRecorder();
    private static ManagedChannel storeChannel;
    /** The store-to-store service's own port (a store's default). */
    private static ManagedChannel peerChannel;

    private static ManagedChannel schedulerChannel;
    private static Kvrpcpb.Context fuzzContext;
    private static Kvrpcpb.Context seededContext;
    private static Map<String, Message> plausible;
    private static Set<Long> avoided;

    private static final LongAdder SENT = new LongAdder();
    private static final LongAdder ANSWERED_OK = new LongAdder();
    private static final LongAdder ANSWERED_WITH_ERROR_FIELD = new LongAdder();
    private static final Map<Status.Code, LongAdder> STATUSES = new ConcurrentHashMap<>();
    private static final Map<String, String> INTERNAL_ERRORS = new ConcurrentHashMap<>();

    @BeforeContainer
    static void startCluster() throws Exception {
        dir = Files.createTempDirectory("service-fuzz");
        scheduler = SchedulerServer.start(
                SchedulerConfig.defaults(dir.resolve("scheduler")).withListenAddress(new HostAndPort("127.0.0.1", 0)),
                System::currentTimeMillis,
                new SecureRandom(),
                new PrometheusRegistry());
        store = StoreServer.start(
                TestConfigs.store(scheduler.address(), dir.resolve("store")),
                System::nanoTime,
                new SecureRandom(),
                HALTS);
        storeChannel = NettyChannelBuilder.forTarget(store.address())
                .usePlaintext()
                .maxInboundMessageSize(64 << 20)
                .build();
        peerChannel = NettyChannelBuilder.forTarget(store.peerAddress().toString())
                .usePlaintext()
                .maxInboundMessageSize(64 << 20)
                .build();
        fuzzedScheduler = SchedulerServer.start(
                SchedulerConfig.defaults(dir.resolve("fuzzed-scheduler"))
                        .withListenAddress(new HostAndPort("127.0.0.1", 0)),
                System::currentTimeMillis,
                new SecureRandom(),
                new PrometheusRegistry());
        schedulerChannel = NettyChannelBuilder.forTarget(fuzzedScheduler.address())
                .usePlaintext()
                .build();
        Pdpb.RequestHeader fuzzedHeader = Pdpb.RequestHeader.newBuilder()
                .setClusterId(fuzzedScheduler.clusterId())
                .build();
        Metapb.Store fakeStore =
                Metapb.Store.newBuilder().setId(1).setAddress("127.0.0.1:1").build();
        Pdpb.BootstrapResponse bootstrap = PDGrpc.newBlockingStub(schedulerChannel)
                .bootstrap(Pdpb.BootstrapRequest.newBuilder()
                        .setHeader(fuzzedHeader)
                        .setStore(fakeStore)
                        .setRegion(Metapb.Region.newBuilder()
                                .setId(2)
                                .setRegionEpoch(Metapb.RegionEpoch.newBuilder()
                                        .setVersion(1)
                                        .setConfVer(1))
                                .addPeers(Metapb.Peer.newBuilder().setId(3).setStoreId(1)))
                        .build());
        assertThat(bootstrap.getHeader().hasError()).as(bootstrap.toString()).isFalse();
        ManagedChannel ownScheduler = NettyChannelBuilder.forTarget(scheduler.address())
                .usePlaintext()
                .build();

        // The first region, split at "s": the fuzzer may name the left one, the data lives in the right.
        Pdpb.RequestHeader header = Pdpb.RequestHeader.newBuilder()
                .setClusterId(scheduler.clusterId())
                .build();
        Pdpb.GetRegionResponse first = PDGrpc.newBlockingStub(ownScheduler)
                .getRegion(Pdpb.GetRegionRequest.newBuilder()
                        .setHeader(header)
                        .setRegionKey(ByteString.EMPTY)
                        .build());
        Kvrpcpb.SplitRegionResponse split = TikvGrpc.newBlockingStub(storeChannel)
                .splitRegion(Kvrpcpb.SplitRegionRequest.newBuilder()
                        .setContext(context(first.getRegion()))
                        .addSplitKeys(ByteString.copyFromUtf8("s"))
                        .setIsRawKv(true)
                        .build());
        assertThat(split.hasRegionError()).as(split.toString()).isFalse();
        fuzzContext = context(split.getLeft());
        seededContext = context(split.getRight());
        TikvGrpc.TikvBlockingStub tikv = TikvGrpc.newBlockingStub(storeChannel);
        for (int i = 0; i < SEEDED_KEYS; i++) {
            Kvrpcpb.RawPutResponse put = tikv.rawPut(Kvrpcpb.RawPutRequest.newBuilder()
                    .setContext(seededContext)
                    .setKey(seededKey(i))
                    .setValue(seededValue(i))
                    .build());
            assertThat(put.hasRegionError() || !put.getError().isEmpty())
                    .as(put.toString())
                    .isFalse();
        }

        ownScheduler.shutdownNow();
        plausible = Map.of(
                Kvrpcpb.Context.getDescriptor().getFullName(),
                fuzzContext,
                Pdpb.RequestHeader.getDescriptor().getFullName(),
                fuzzedHeader,
                Metapb.RegionEpoch.getDescriptor().getFullName(),
                fuzzContext.getRegionEpoch(),
                Metapb.Peer.getDescriptor().getFullName(),
                fuzzContext.getPeer());
        avoided = Set.of(
                store.storeId(),
                seededContext.getRegionId(),
                seededContext.getPeer().getId());
    }

    @AfterContainer
    static void stopCluster() throws IOException {
        try {
            String counts = counts();
            System.out.println(counts);
            Files.createDirectories(Path.of("target"));
            Files.writeString(Path.of("target", "fuzz-counts.txt"), counts);
        } finally {
            if (peerChannel != null) {
                peerChannel.shutdownNow();
            }
            if (storeChannel != null) {
                storeChannel.shutdownNow();
            }
            if (schedulerChannel != null) {
                schedulerChannel.shutdownNow();
            }
            if (store != null) {
                store.close();
            }
            if (scheduler != null) {
                scheduler.close();
            }
            if (fuzzedScheduler != null) {
                fuzzedScheduler.close();
            }
            if (dir != null) {
                try (Stream<Path> files = Files.walk(dir)) {
                    files.sorted(Comparator.reverseOrder())
                            .forEach(p -> p.toFile().delete());
                }
            }
        }
    }

    @Property(tries = 8)
    void everyRpcOfEveryServiceSurvivesRandomAndMutatedRequests(@ForAll long seed) throws Exception {
        Random random = new Random(seed);
        RandomMessages messages = new RandomMessages(random, plausible, avoided, UNBOUNDED_FIELDS);
        for (int round = 0; round < ROUNDS; round++) {
            fuzz(TikvGrpc.getServiceDescriptor(), storeChannel, messages, random);
            fuzz(PeerGrpc.getServiceDescriptor(), peerChannel, messages, random);
            fuzz(PDGrpc.getServiceDescriptor(), schedulerChannel, messages, random);
        }

        assertThat(HALTS.halts()).as("no durability path of the store halted").isEmpty();
        assertThat(HealthGrpc.newBlockingStub(storeChannel)
                        .withDeadlineAfter(CALL_DEADLINE_MILLIS, TimeUnit.MILLISECONDS)
                        .check(HealthCheckRequest.getDefaultInstance())
                        .getStatus())
                .isEqualTo(HealthCheckResponse.ServingStatus.SERVING);
        PDGrpc.PDBlockingStub pd =
                PDGrpc.newBlockingStub(schedulerChannel).withDeadlineAfter(CALL_DEADLINE_MILLIS, TimeUnit.MILLISECONDS);
        assertThat(pd.getMembers(Pdpb.GetMembersRequest.getDefaultInstance()).hasLeader())
                .isTrue();
        assertThat(pd.isBootstrapped(Pdpb.IsBootstrappedRequest.newBuilder()
                                .setHeader(Pdpb.RequestHeader.newBuilder().setClusterId(fuzzedScheduler.clusterId()))
                                .build())
                        .getBootstrapped())
                .as("the fuzzed scheduler still knows its cluster")
                .isTrue();
        TikvGrpc.TikvBlockingStub tikv = TikvGrpc.newBlockingStub(storeChannel);
        for (int i = 0; i < SEEDED_KEYS; i++) {
            Kvrpcpb.RawGetResponse got = tikv.withDeadlineAfter(CALL_DEADLINE_MILLIS, TimeUnit.MILLISECONDS)
                    .rawGet(Kvrpcpb.RawGetRequest.newBuilder()
                            .setContext(seededContext)
                            .setKey(seededKey(i))
                            .build());
            assertThat(got.getValue())
                    .as("seeded key %d after seed %d: %s", i, seed, got)
                    .isEqualTo(seededValue(i));
        }
        assertThat(INTERNAL_ERRORS).as("no call met a bug (INTERNAL)").isEmpty();
    }

    private static void fuzz(ServiceDescriptor service, ManagedChannel channel, RandomMessages messages, Random random)
            throws Exception {
        for (MethodDescriptor<?, ?> method : service.getMethods()) {
            Message requestPrototype = prototype(method.getRequestMarshaller());
            MethodDescriptor<byte[], byte[]> raw = MethodDescriptor.<byte[], byte[]>newBuilder(BYTES, BYTES)
                    .setFullMethodName(method.getFullMethodName())
                    .setType(method.getType())
                    .build();
            int count =
                    method.getType() == MethodDescriptor.MethodType.UNARY ? 1 : 1 + random.nextInt(MAX_STREAM_MESSAGES);
            List<byte[]> requests = new ArrayList<>();
            for (int i = 0; i < count; i++) {
                requests.add(request(requestPrototype, messages, random));
            }
            SENT.add(count);
            Status status = method.getType() == MethodDescriptor.MethodType.UNARY
                    ? unary(channel, raw, requests.get(0), prototype(method.getResponseMarshaller()))
                    : streaming(channel, raw, requests);
            STATUSES.computeIfAbsent(status.getCode(), c -> new LongAdder()).increment();
            // gRPC answers UNKNOWN to a request that does not parse; for one that does, a handler threw.
            boolean handlerThrew = status.getCode() == Status.Code.UNKNOWN
                    && requests.stream().allMatch(r -> parses(requestPrototype, r));
            if (status.getCode() == Status.Code.INTERNAL || handlerThrew) {
                INTERNAL_ERRORS.putIfAbsent(
                        method.getFullMethodName(), status.getCode() + ": " + status.getDescription());
            }
        }
    }

    private static boolean parses(Message prototype, byte[] bytes) {
        try {
            prototype.getParserForType().parseFrom(bytes);
            return true;
        } catch (InvalidProtocolBufferException e) {
            return false;
        }
    }

    /** A random message, that message with its bytes mutated, or random bytes. */
    private static byte[] request(Message prototype, RandomMessages messages, Random random) {
        return switch (random.nextInt(3)) {
            case 0 -> messages.of(prototype).toByteArray();
            case 1 -> RandomMessages.mutate(messages.of(prototype).toByteArray(), random);
            default -> {
                byte[] b = new byte[random.nextInt(RANDOM_BYTES)];
                random.nextBytes(b);
                yield b;
            }
        };
    }

    private static Status unary(
            ManagedChannel channel,
            MethodDescriptor<byte[], byte[]> method,
            byte[] request,
            Message responsePrototype) {
        try {
            byte[] response = ClientCalls.blockingUnaryCall(
                    channel,
                    method,
                    CallOptions.DEFAULT.withDeadlineAfter(CALL_DEADLINE_MILLIS, TimeUnit.MILLISECONDS),
                    request);
            Message parsed = responsePrototype.getParserForType().parseFrom(response);
            if (carriesError(parsed)) {
                ANSWERED_WITH_ERROR_FIELD.increment();
            } else {
                ANSWERED_OK.increment();
            }
            return Status.OK;
        } catch (StatusRuntimeException e) {
            return e.getStatus();
        } catch (InvalidProtocolBufferException e) {
            throw new AssertionError("the server answered bytes that do not parse as its response type", e);
        }
    }

    /** Sends every message, half-closes, and waits for the server to end the call. */
    private static Status streaming(
            ManagedChannel channel, MethodDescriptor<byte[], byte[]> method, List<byte[]> requests) throws Exception {
        ClientCall<byte[], byte[]> call = channel.newCall(
                method, CallOptions.DEFAULT.withDeadlineAfter(CALL_DEADLINE_MILLIS, TimeUnit.MILLISECONDS));
        CompletableFuture<Status> closed = new CompletableFuture<>();
        call.start(
                new ClientCall.Listener<>() {
                    @Override
                    public void onMessage(byte[] message) {
                        ANSWERED_OK.increment();
                    }

                    @Override
                    public void onClose(Status status, Metadata trailers) {
                        closed.complete(status);
                    }
                },
                new Metadata());
        call.request(Integer.MAX_VALUE);
        for (byte[] request : requests) {
            call.sendMessage(request);
        }
        call.halfClose();
        return closed.get(2 * CALL_DEADLINE_MILLIS, TimeUnit.MILLISECONDS);
    }

    /** Whether a response says no: a region error, a key error, an error string, or a PD header error. */
    private static boolean carriesError(Message response) {
        for (var field : response.getDescriptorForType().getFields()) {
            String name = field.getName();
            boolean errorField = name.equals("region_error")
                    || name.equals("error")
                    || name.equals("errors")
                    || name.equals("key_error");
            if (errorField
                    && (field.isRepeated()
                            ? response.getRepeatedFieldCount(field) > 0
                            : field.getJavaType() == com.google.protobuf.Descriptors.FieldDescriptor.JavaType.STRING
                                    ? !((String) response.getField(field)).isEmpty()
                                    : response.hasField(field))) {
                return true;
            }
            if (name.equals("header")
                    && response.hasField(field)
                    && ((Pdpb.ResponseHeader) response.getField(field)).hasError()) {
                return true;
            }
        }
        return false;
    }

    private static String counts() {
        Map<String, Long> byStatus = new TreeMap<>();
        STATUSES.forEach((code, n) -> byStatus.put(code.name(), n.sum()));
        return "service fuzz: rounds=" + ROUNDS + " messages sent=" + SENT.sum()
                + " answered ok=" + ANSWERED_OK.sum() + " answered with an error field="
                + ANSWERED_WITH_ERROR_FIELD.sum()
                + " call outcomes by status=" + byStatus + " internal errors=" + INTERNAL_ERRORS
                + " store halts=" + HALTS.halts().size();
    }

    private static Message prototype(MethodDescriptor.Marshaller<?> marshaller) {
        return (Message) ((MethodDescriptor.PrototypeMarshaller<?>) marshaller).getMessagePrototype();
    }

    private static Kvrpcpb.Context context(Metapb.Region region) {
        return Kvrpcpb.Context.newBuilder()
                .setRegionId(region.getId())
                .setRegionEpoch(region.getRegionEpoch())
                .setPeer(region.getPeers(0))
                .build();
    }

    private static ByteString seededKey(int i) {
        return ByteString.copyFromUtf8(String.format("s-seed-%02d", i));
    }

    private static ByteString seededValue(int i) {
        return ByteString.copyFromUtf8("value " + i);
    }

    private static final MethodDescriptor.Marshaller<byte[]> BYTES = new MethodDescriptor.Marshaller<>() {
        @Override
        public InputStream stream(byte[] value) {
            return new ByteArrayInputStream(value);
        }

        @Override
        public byte[] parse(InputStream stream) {
            try {
                return stream.readAllBytes();
            } catch (IOException e) {
                throw new UncheckedIOException(e);
            }
        }
    };
}
