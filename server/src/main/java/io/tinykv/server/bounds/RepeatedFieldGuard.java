package io.tinykv.server.bounds;

import com.google.protobuf.CodedInputStream;
import com.google.protobuf.WireFormat;
import io.grpc.ForwardingServerCallListener.SimpleForwardingServerCallListener;
import io.grpc.Metadata;
import io.grpc.MethodDescriptor;
import io.grpc.ServerCall;
import io.grpc.ServerCallHandler;
import io.grpc.ServerInterceptor;
import io.grpc.ServerInterceptors;
import io.grpc.ServerServiceDefinition;
import io.grpc.Status;
import java.io.ByteArrayInputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
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
 * are parsed into their types only once they pass.
 */
public final class RepeatedFieldGuard implements ServerInterceptor {

    private final long maxElements;

    private RepeatedFieldGuard(long maxElements) {
        this.maxElements = maxElements;
    }

    /** {@code service} with every request checked before it is parsed. */
    public static ServerServiceDefinition around(ServerServiceDefinition service, long maxElements) {
        if (maxElements <= 0) {
            throw new IllegalArgumentException("maxElements must be > 0, got " + maxElements);
        }
        return ServerInterceptors.intercept(ServerInterceptors.useMarshalledMessages(service, BYTES),
                new RepeatedFieldGuard(maxElements));
    }

    @Override
    public <ReqT, RespT> ServerCall.Listener<ReqT> interceptCall(ServerCall<ReqT, RespT> call, Metadata headers,
            ServerCallHandler<ReqT, RespT> next) {
        ServerCall.Listener<ReqT> delegate = next.startCall(call, headers);
        return new SimpleForwardingServerCallListener<>(delegate) {
            private boolean refused;

            @Override
            public void onMessage(ReqT message) {
                if (refused) {
                    return;
                }
                String problem = message instanceof byte[] bytes ? problem(bytes) : null;
                if (problem != null) {
                    refused = true;
                    call.close(Status.INVALID_ARGUMENT.withDescription(problem), new Metadata());
                    return;
                }
                super.onMessage(message);
            }

            @Override
            public void onHalfClose() {
                if (!refused) {
                    super.onHalfClose();
                }
            }
        };
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
