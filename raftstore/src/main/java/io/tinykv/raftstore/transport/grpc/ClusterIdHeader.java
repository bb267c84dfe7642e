package io.tinykv.raftstore.transport.grpc;

import io.grpc.ClientInterceptor;
import io.grpc.Grpc;
import io.grpc.Metadata;
import io.grpc.ServerCall;
import io.grpc.ServerCallHandler;
import io.grpc.ServerInterceptor;
import io.grpc.Status;
import io.grpc.stub.MetadataUtils;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The cluster id every store-to-store stream carries, in a request header: the sender attaches its
 * cluster's ({@link #attach}), the receiver refuses — FAILED_PRECONDITION, logged — a stream that
 * names another cluster or none ({@link #require}), before any of its messages reaches the store. A
 * store of another cluster that got this store's address (a reused host, a copied config) thereby
 * never has its Raft messages stepped here.
 */
public final class ClusterIdHeader {

    private static final Logger LOG = LoggerFactory.getLogger(ClusterIdHeader.class);
    static final Metadata.Key<String> KEY = Metadata.Key.of("tinykv-cluster-id", Metadata.ASCII_STRING_MARSHALLER);

    private ClusterIdHeader() {}

    /** For the sending side's channels: every call carries {@code clusterId}. */
    public static ClientInterceptor attach(long clusterId) {
        Metadata headers = new Metadata();
        headers.put(KEY, Long.toUnsignedString(clusterId));
        return MetadataUtils.newAttachHeadersInterceptor(headers);
    }

    /** For the receiving side's peer service: calls must carry {@code clusterId}. */
    public static ServerInterceptor require(long clusterId) {
        String expected = Long.toUnsignedString(clusterId);
        return new ServerInterceptor() {
            @Override
            public <Q, R> ServerCall.Listener<Q> interceptCall(
                    ServerCall<Q, R> call, Metadata headers, ServerCallHandler<Q, R> next) {
                String got = headers.get(KEY);
                if (expected.equals(got)) {
                    return next.startCall(call, headers);
                }
                String why = got == null ? "carries no cluster id" : "is from cluster " + got;
                LOG.warn(
                        "refused a store-to-store stream ({}) from {}: it {}, this store is in cluster {}",
                        call.getMethodDescriptor().getBareMethodName(),
                        call.getAttributes().get(Grpc.TRANSPORT_ATTR_REMOTE_ADDR),
                        why,
                        expected);
                call.close(
                        Status.FAILED_PRECONDITION.withDescription(
                                "mismatch cluster id: this store is in cluster " + expected + ", the stream " + why),
                        new Metadata());
                return new ServerCall.Listener<>() {};
            }
        };
    }
}
