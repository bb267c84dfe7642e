package io.tinykv.server.limits;

import com.google.protobuf.Descriptors.FieldDescriptor;
import com.google.protobuf.Message;
import io.grpc.ForwardingServerCall.SimpleForwardingServerCall;
import io.grpc.ForwardingServerCallListener.SimpleForwardingServerCallListener;
import io.grpc.Metadata;
import io.grpc.MethodDescriptor;
import io.grpc.ServerCall;
import io.grpc.ServerCallHandler;
import io.grpc.ServerInterceptor;
import io.grpc.Status;
import io.tinykv.proto.Errorpb;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.Semaphore;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.LongAdder;

/**
 * Admits at most {@code limits.max-concurrent-requests} calls at once to the services it
 * intercepts. A call beyond that is answered at once and its request is never read (a call whose
 * handler does not start asks for no message, so none is parsed into memory): a unary call whose
 * response has kvproto's {@code region_error} gets {@code server_is_busy} in it, which TiKV clients
 * meet with a backoff and a retry; any other call gets gRPC status {@code RESOURCE_EXHAUSTED}.
 *
 * <p>A call holds its permit until it is closed, completed or cancelled, so the requests and
 * answers held in memory at once are bounded by the limit times their own bounds
 * ({@code grpc-max-message-size}, {@code max-response-size}).
 */
public final class CallLimiter implements ServerInterceptor {

    /** kvproto's name of the region error in every Kv and Raw response. */
    private static final String REGION_ERROR_FIELD = "region_error";

    private final int maxConcurrentCalls;
    private final Semaphore permits;
    private final LongAdder refused = new LongAdder();
    /** Per method: the response that says "busy", or empty when the response has no region error. */
    private final Map<String, Optional<Object>> busyResponses = new ConcurrentHashMap<>();

    public CallLimiter(int maxConcurrentCalls) {
        if (maxConcurrentCalls <= 0) {
            throw new IllegalArgumentException("maxConcurrentCalls must be > 0, got " + maxConcurrentCalls);
        }
        this.maxConcurrentCalls = maxConcurrentCalls;
        this.permits = new Semaphore(maxConcurrentCalls);
    }

    /** Calls refused because the limit was reached. */
    public long refused() {
        return refused.sum();
    }

    /** Calls admitted and not yet finished. */
    public int active() {
        return maxConcurrentCalls - permits.availablePermits();
    }

    @Override
    public <ReqT, RespT> ServerCall.Listener<ReqT> interceptCall(
            ServerCall<ReqT, RespT> call, Metadata headers, ServerCallHandler<ReqT, RespT> next) {
        if (!permits.tryAcquire()) {
            refused.increment();
            refuse(call);
            return new ServerCall.Listener<>() {};
        }
        AtomicBoolean released = new AtomicBoolean();
        Runnable release = () -> {
            if (released.compareAndSet(false, true)) {
                permits.release();
            }
        };
        ServerCall<ReqT, RespT> releasingOnClose = new SimpleForwardingServerCall<>(call) {
            @Override
            public void close(Status status, Metadata trailers) {
                release.run();
                super.close(status, trailers);
            }
        };
        ServerCall.Listener<ReqT> delegate;
        try {
            delegate = next.startCall(releasingOnClose, headers);
        } catch (RuntimeException | Error e) {
            release.run();
            throw e;
        }
        return new SimpleForwardingServerCallListener<>(delegate) {
            @Override
            public void onCancel() {
                release.run();
                super.onCancel();
            }

            @Override
            public void onComplete() {
                release.run();
                super.onComplete();
            }
        };
    }

    private <ReqT, RespT> void refuse(ServerCall<ReqT, RespT> call) {
        MethodDescriptor<ReqT, RespT> method = call.getMethodDescriptor();
        Optional<Object> busy = method.getType() == MethodDescriptor.MethodType.UNARY
                ? busyResponses.computeIfAbsent(method.getFullMethodName(), n -> busyResponse(method))
                : Optional.empty();
        String reason =
                "server is busy: " + maxConcurrentCalls + " requests in flight (limits.max-concurrent-requests)";
        if (busy.isEmpty()) {
            call.close(Status.RESOURCE_EXHAUSTED.withDescription(reason), new Metadata());
            return;
        }
        @SuppressWarnings("unchecked") // built from this method's own response prototype
        RespT response = (RespT) busy.get();
        call.sendHeaders(new Metadata());
        call.sendMessage(response);
        call.close(Status.OK, new Metadata());
    }

    /** The method's response with only {@code region_error.server_is_busy} set, if it has that field. */
    private static Optional<Object> busyResponse(MethodDescriptor<?, ?> method) {
        if (!(method.getResponseMarshaller() instanceof MethodDescriptor.PrototypeMarshaller<?> marshaller)
                || !(marshaller.getMessagePrototype() instanceof Message prototype)) {
            return Optional.empty();
        }
        FieldDescriptor field = prototype.getDescriptorForType().findFieldByName(REGION_ERROR_FIELD);
        if (field == null
                || field.getType() != FieldDescriptor.Type.MESSAGE
                || !field.getMessageType()
                        .getFullName()
                        .equals(Errorpb.Error.getDescriptor().getFullName())) {
            return Optional.empty();
        }
        Errorpb.Error busy = Errorpb.Error.newBuilder()
                .setMessage("server is busy: too many requests in flight")
                .setServerIsBusy(Errorpb.ServerIsBusy.newBuilder()
                        .setReason("too many requests in flight (limits.max-concurrent-requests)"))
                .build();
        return Optional.of(prototype.toBuilder().setField(field, busy).build());
    }
}
