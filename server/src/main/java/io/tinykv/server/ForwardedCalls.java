package io.tinykv.server;

import io.grpc.CallOptions;
import io.grpc.ClientCall;
import io.grpc.Context;
import io.grpc.ManagedChannel;
import io.grpc.Metadata;
import io.grpc.ServerCall;
import io.grpc.ServerCallHandler;
import io.grpc.ServerInterceptor;
import io.grpc.Status;
import io.tinykv.client.ChannelPool;
import io.tinykv.security.ChannelFactory;
import java.util.function.Predicate;
import java.util.function.Supplier;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Passes a call on to the store its {@code tikv-forwarded-host} header names, as TiKV does.
 *
 * <p>When the TiKV Java client cannot reach a region's leader (its health check timed out, which a
 * busy machine makes happen without any partition), it sends the request to a follower's store
 * with the leader's address in that header, and expects the follower's store to relay it. A store
 * that answers such a call itself says {@code store_not_match} (the request names the leader's
 * store), and the client keeps retrying through the same follower until its backoff runs out.
 *
 * <p>Only addresses of this cluster's stores are relayed to ({@code isStore}): a store is not an
 * open proxy. A call naming this store's own address is served here. The relay keeps the caller's
 * deadline; headers other than the forwarding one are not passed on.
 */
public final class ForwardedCalls implements ServerInterceptor, AutoCloseable {

    /** The header the TiKV clients set (client-java's {@code TiConfiguration.FORWARD_META_DATA_KEY}). */
    public static final Metadata.Key<String> FORWARDED_HOST =
            Metadata.Key.of("tikv-forwarded-host", Metadata.ASCII_STRING_MARSHALLER);

    private static final Logger LOG = LoggerFactory.getLogger(ForwardedCalls.class);

    private final Supplier<String> ownAddress;
    private final Predicate<String> isStore;
    /** One channel per store relayed to, kept for the next call. */
    private final ChannelPool channels;

    /**
     * @param ownAddress this store's advertised address (known once its port is bound)
     * @param isStore whether an address is one of this cluster's stores
     * @param openChannel opens a channel to another store's address (with the cluster's TLS credentials)
     */
    public ForwardedCalls(Supplier<String> ownAddress, Predicate<String> isStore, ChannelFactory openChannel) {
        this.ownAddress = ownAddress;
        this.isStore = isStore;
        this.channels = new ChannelPool(openChannel);
    }

    @Override
    public <Q, R> ServerCall.Listener<Q> interceptCall(
            ServerCall<Q, R> call, Metadata headers, ServerCallHandler<Q, R> next) {
        String target = headers.get(FORWARDED_HOST);
        if (target == null || target.isEmpty() || target.equals(ownAddress.get())) {
            return next.startCall(call, headers);
        }
        if (!isStore.test(target)) {
            LOG.warn(
                    "refused to relay {} to {}: not a store of this cluster",
                    call.getMethodDescriptor().getFullMethodName(),
                    target);
            call.close(
                    Status.FAILED_PRECONDITION.withDescription(
                            FORWARDED_HOST.name() + " " + target + " is not a store of this cluster"),
                    new Metadata());
            return new ServerCall.Listener<>() {};
        }
        ManagedChannel channel;
        try {
            channel = channels.get(target);
        } catch (IllegalStateException closed) {
            call.close(Status.UNAVAILABLE.withDescription("the store is shutting down"), new Metadata());
            return new ServerCall.Listener<>() {};
        }
        CallOptions options = CallOptions.DEFAULT;
        if (Context.current().getDeadline() != null) {
            options = options.withDeadline(Context.current().getDeadline());
        }
        return new Relay<>(call, channel.newCall(call.getMethodDescriptor(), options)).start();
    }

    @Override
    public void close() {
        channels.close();
    }

    /**
     * One relayed call: requests flow from the caller to the target, responses back, one message at
     * a time (each side asks for the next only after passing one on). gRPC calls one listener's
     * methods at a time, but the two listeners run on different threads, and a {@link ServerCall}
     * is not safe for concurrent use: every use of {@code in} holds its lock.
     */
    private static final class Relay<Q, R> {
        private final ServerCall<Q, R> in;
        private final ClientCall<Q, R> out;

        Relay(ServerCall<Q, R> in, ClientCall<Q, R> out) {
            this.in = in;
            this.out = out;
        }

        ServerCall.Listener<Q> start() {
            out.start(
                    new ClientCall.Listener<>() {
                        @Override
                        public void onHeaders(Metadata headers) {
                            synchronized (in) {
                                in.sendHeaders(headers);
                            }
                        }

                        @Override
                        public void onMessage(R message) {
                            synchronized (in) {
                                in.sendMessage(message);
                            }
                            out.request(1);
                        }

                        @Override
                        public void onClose(Status status, Metadata trailers) {
                            synchronized (in) {
                                in.close(status, trailers);
                            }
                        }
                    },
                    new Metadata());
            out.request(1);
            synchronized (in) {
                in.request(1);
            }
            return new ServerCall.Listener<>() {
                @Override
                public void onMessage(Q message) {
                    out.sendMessage(message);
                    synchronized (in) {
                        in.request(1);
                    }
                }

                @Override
                public void onHalfClose() {
                    out.halfClose();
                }

                @Override
                public void onCancel() {
                    out.cancel("the caller cancelled the relayed call", null);
                }
            };
        }
    }
}
