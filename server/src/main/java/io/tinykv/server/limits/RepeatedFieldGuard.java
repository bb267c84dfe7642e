package io.tinykv.server.limits;

import com.google.protobuf.CodedInputStream;
import com.google.protobuf.WireFormat;
import io.grpc.Attributes;
import io.grpc.KnownLength;
import io.grpc.Metadata;
import io.grpc.MethodDescriptor;
import io.grpc.SecurityLevel;
import io.grpc.ServerCall;
import io.grpc.ServerCallHandler;
import io.grpc.ServerMethodDefinition;
import io.grpc.ServerServiceDefinition;
import io.grpc.Status;
import java.io.ByteArrayInputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.util.Arrays;
import java.util.HashMap;
import java.util.Map;

/**
 * Refuses a request with more than {@code limits.max-batch-keys} elements in one top-level repeated
 * field before it is parsed. Parsing multiplies a request's size in memory: a 16 MiB RawBatchGet of
 * one-byte keys (3 bytes each on the wire) becomes some 5.6 million ByteString objects, over 250 MiB
 * of heap, long before the handler could count them — enough to take a store with a small heap
 * down. Counting field tags over the raw bytes costs one pass and no allocation per element.
 *
 * <p>Wrap a whole service with {@link #around}: its requests then reach this guard as bytes and
 * are parsed into their types only once they pass. Responses keep their types, so interceptors
 * around the server (metrics) see them as before.
 */
public final class RepeatedFieldGuard {

    private final long maxElements;

    private RepeatedFieldGuard(long maxElements) {
        this.maxElements = maxElements;
    }

    /** {@code service} with every request checked before it is parsed. */
    public static ServerServiceDefinition around(ServerServiceDefinition service, long maxElements) {
        if (maxElements <= 0) {
            throw new IllegalArgumentException("maxElements must be > 0, got " + maxElements);
        }
        RepeatedFieldGuard guard = new RepeatedFieldGuard(maxElements);
        ServerServiceDefinition.Builder guarded =
                ServerServiceDefinition.builder(service.getServiceDescriptor().getName());
        for (ServerMethodDefinition<?, ?> method : service.getMethods()) {
            guarded.addMethod(guard.guard(method));
        }
        return guarded.build();
    }

    private <ReqT, RespT> ServerMethodDefinition<byte[], RespT> guard(ServerMethodDefinition<ReqT, RespT> method) {
        MethodDescriptor<ReqT, RespT> typed = method.getMethodDescriptor();
        MethodDescriptor<byte[], RespT> raw =
                typed.toBuilder(BYTES, typed.getResponseMarshaller()).build();
        ServerCallHandler<ReqT, RespT> handler = method.getServerCallHandler();
        ServerCallHandler<byte[], RespT> guarded = (call, headers) -> {
            ServerCall.Listener<ReqT> listener = handler.startCall(new TypedCall<>(call, typed), headers);
            return new ServerCall.Listener<>() {
                private boolean refused;

                @Override
                public void onMessage(byte[] message) {
                    if (refused) {
                        return;
                    }
                    String problem = problem(message);
                    if (problem != null) {
                        refused = true;
                        call.close(Status.INVALID_ARGUMENT.withDescription(problem), new Metadata());
                        return;
                    }
                    listener.onMessage(typed.parseRequest(new KnownLengthBytes(message)));
                }

                @Override
                public void onHalfClose() {
                    if (!refused) {
                        listener.onHalfClose();
                    }
                }

                @Override
                public void onCancel() {
                    listener.onCancel();
                }

                @Override
                public void onComplete() {
                    listener.onComplete();
                }

                @Override
                public void onReady() {
                    listener.onReady();
                }
            };
        };
        return ServerMethodDefinition.create(raw, guarded);
    }

    /** The call as its typed handler sees it: the same call, under the typed method. */
    private static final class TypedCall<ReqT, RespT> extends ServerCall<ReqT, RespT> {
        private final ServerCall<byte[], RespT> call;
        private final MethodDescriptor<ReqT, RespT> method;

        TypedCall(ServerCall<byte[], RespT> call, MethodDescriptor<ReqT, RespT> method) {
            this.call = call;
            this.method = method;
        }

        @Override
        public void request(int numMessages) {
            call.request(numMessages);
        }

        @Override
        public void sendHeaders(Metadata headers) {
            call.sendHeaders(headers);
        }

        @Override
        public void sendMessage(RespT message) {
            call.sendMessage(message);
        }

        @Override
        public boolean isReady() {
            return call.isReady();
        }

        @Override
        public void close(Status status, Metadata trailers) {
            call.close(status, trailers);
        }

        @Override
        public boolean isCancelled() {
            return call.isCancelled();
        }

        @Override
        public void setMessageCompression(boolean enabled) {
            call.setMessageCompression(enabled);
        }

        @Override
        public void setCompression(String compressor) {
            call.setCompression(compressor);
        }

        @Override
        public SecurityLevel getSecurityLevel() {
            return call.getSecurityLevel();
        }

        @Override
        public Attributes getAttributes() {
            return call.getAttributes();
        }

        @Override
        public String getAuthority() {
            return call.getAuthority();
        }

        @Override
        public MethodDescriptor<ReqT, RespT> getMethodDescriptor() {
            return method;
        }
    }

    /** What is wrong with the request, or null when no top-level field repeats too often. */
    String problem(byte[] request) {
        Map<Integer, Long> counts = new HashMap<>();
        CodedInputStream in = CodedInputStream.newInstance(request);
        try {
            for (int tag = in.readTag(); tag != 0; tag = in.readTag()) {
                long count = counts.merge(WireFormat.getTagFieldNumber(tag), 1L, Long::sum);
                if (count > maxElements) {
                    return "the request repeats field " + WireFormat.getTagFieldNumber(tag) + " more than "
                            + maxElements + " times (limits.max-batch-keys)";
                }
                if (!in.skipField(tag)) {
                    break;
                }
            }
        } catch (IOException malformed) {
            // Not a protobuf: the parser refuses it with its own error, as before.
            return null;
        }
        return null;
    }

    private static final MethodDescriptor.Marshaller<byte[]> BYTES = new MethodDescriptor.Marshaller<>() {
        @Override
        public InputStream stream(byte[] value) {
            return new ByteArrayInputStream(value);
        }

        /**
         * gRPC hands a request over as a {@link KnownLength} stream: read it into an array of its
         * size. {@code readAllBytes} reads through 16 KiB buffers, one allocated per request: on a
         * leader at 128 clients that was a tenth of the network thread's Java samples.
         */
        @Override
        public byte[] parse(InputStream stream) {
            try {
                if (!(stream instanceof KnownLength)) {
                    return stream.readAllBytes();
                }
                byte[] request = stream.readNBytes(stream.available());
                // available() is the whole message for a KnownLength stream; read on if it ever is not.
                if (stream.available() > 0) {
                    byte[] rest = stream.readAllBytes();
                    byte[] whole = Arrays.copyOf(request, request.length + rest.length);
                    System.arraycopy(rest, 0, whole, request.length, rest.length);
                    return whole;
                }
                return request;
            } catch (IOException e) {
                throw new UncheckedIOException(e);
            }
        }
    };

    /**
     * A checked request handed on to its parser with its length known, so that gRPC's protobuf
     * marshaller reads it at once instead of through a buffered stream of its own.
     */
    private static final class KnownLengthBytes extends ByteArrayInputStream implements KnownLength {
        KnownLengthBytes(byte[] bytes) {
            super(bytes);
        }
    }
}
