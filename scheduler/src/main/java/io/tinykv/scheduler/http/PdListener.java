package io.tinykv.scheduler.http;

import io.grpc.netty.shaded.io.grpc.netty.InternalNettyServerCredentials;
import io.grpc.netty.shaded.io.grpc.netty.InternalProtocolNegotiators;
import io.grpc.netty.shaded.io.grpc.netty.NettyServerBuilder;
import java.net.SocketAddress;
import java.util.concurrent.Executor;

/**
 * Builds the scheduler's client port: one TCP listener serving gRPC ({@code pdpb.PD}, health) and
 * PD's HTTP/1.1 API, as PD does on its client URL. This is the one place the listener is put
 * together, so transport security is added here.
 *
 * <p>How: grpc-netty's server accepts a custom protocol negotiator (gRPC's internal but public
 * {@code InternalNettyServerCredentials}); ours looks at each connection's first bytes
 * ({@link ProtocolDetector}) and either continues with gRPC's own negotiation or installs the HTTP
 * handlers. No second port, no relay: after the first bytes a gRPC connection's pipeline is gRPC's
 * own, so TSO and heartbeats pay nothing per message. (The internal API is pinned by the gRPC
 * version in the parent POM; the tests over a real port guard it.)
 *
 * <p>For TLS: wrap gRPC's TLS negotiator the same way, with the detector placed after the TLS
 * handshake (ALPN {@code h2} or {@code http/1.1} then names the protocol outright).
 */
public final class PdListener {

    private PdListener() {}

    /** A gRPC server builder for {@code address}; add the gRPC services, build and start it. */
    public static NettyServerBuilder serverBuilder(SocketAddress address, PdHttpApi api, Executor httpExecutor,
            HttpLimits limits) {
        GrpcOrHttpNegotiator negotiator = new GrpcOrHttpNegotiator(InternalProtocolNegotiators.serverPlaintext(),
                api, httpExecutor, limits);
        return NettyServerBuilder.forAddress(address, InternalNettyServerCredentials.create(negotiator));
    }
}
