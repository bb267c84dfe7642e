package io.tinykv.scheduler.http;

import io.grpc.InsecureServerCredentials;
import io.grpc.ServerCredentials;
import io.grpc.TlsServerCredentials;
import io.grpc.netty.shaded.io.grpc.netty.GrpcSslContexts;
import io.grpc.netty.shaded.io.grpc.netty.InternalNettyServerCredentials;
import io.grpc.netty.shaded.io.grpc.netty.NettyServerBuilder;
import io.grpc.netty.shaded.io.netty.handler.ssl.ApplicationProtocolConfig;
import io.grpc.netty.shaded.io.netty.handler.ssl.ApplicationProtocolNames;
import io.grpc.netty.shaded.io.netty.handler.ssl.ClientAuth;
import io.grpc.netty.shaded.io.netty.handler.ssl.SslContext;
import io.grpc.netty.shaded.io.netty.handler.ssl.SslContextBuilder;
import java.net.SocketAddress;
import java.util.concurrent.Executor;
import javax.net.ssl.SSLException;

/**
 * Builds the scheduler's client port: one TCP listener serving gRPC ({@code pdpb.PD}, health) and
 * PD's HTTP/1.1 API, as PD does on its client URL — in plaintext, or under mutual TLS as gRPC over
 * TLS and HTTPS, both behind the same handshake and the same client-certificate checks.
 *
 * <p>How: grpc-netty's server accepts a custom protocol negotiator (gRPC's internal but public
 * {@code InternalNettyServerCredentials}); ours looks at each connection's first bytes
 * ({@link ProtocolDetector}) and either continues with gRPC's own negotiation or installs the HTTP
 * handlers. No second port, no relay: after the first bytes a gRPC connection's pipeline is gRPC's
 * own, so TSO and heartbeats pay nothing per message. (The internal API is pinned by the gRPC
 * version in the parent POM; the tests over a real port guard it.)
 *
 * <p>Under TLS the handshake comes first ({@link TlsHandshakeStage}) and the detector reads the
 * decrypted bytes. The server offers ALPN {@code http/1.1} before {@code h2} and picks by its own
 * order: gRPC clients offer {@code h2} alone and get it; an HTTP client that offers both (curl, a
 * browser, the JDK's client) gets HTTP/1.1, which is what the HTTP side speaks.
 */
public final class PdListener {

    private PdListener() {}

    /** A plaintext gRPC server builder for {@code address}; add the gRPC services, build and start it. */
    public static NettyServerBuilder serverBuilder(
            SocketAddress address, PdHttpApi api, Executor httpExecutor, HttpLimits limits) {
        return serverBuilder(address, api, httpExecutor, limits, InsecureServerCredentials.create());
    }

    /**
     * A gRPC server builder for {@code address} secured by {@code credentials}: plaintext, or the
     * {@link TlsServerCredentials} of the {@code [security]} settings (key and trust managers).
     *
     * @throws IllegalArgumentException for other credentials (nothing else is built here)
     */
    public static NettyServerBuilder serverBuilder(
            SocketAddress address,
            PdHttpApi api,
            Executor httpExecutor,
            HttpLimits limits,
            ServerCredentials credentials) {
        GrpcOrHttpNegotiator negotiator = switch (credentials) {
            case InsecureServerCredentials plaintext -> GrpcOrHttpNegotiator.plaintext(api, httpExecutor, limits);
            case TlsServerCredentials tls -> GrpcOrHttpNegotiator.tls(sslContext(tls), api, httpExecutor, limits);
            default ->
                throw new IllegalArgumentException("the scheduler's client port takes plaintext or TLS "
                        + "credentials, not " + credentials.getClass().getSimpleName());
        };
        return NettyServerBuilder.forAddress(address, InternalNettyServerCredentials.create(negotiator));
    }

    /**
     * The netty TLS context gRPC would build from {@code tls} (its provider and ciphers), with the
     * ALPN list of both protocols.
     */
    static SslContext sslContext(TlsServerCredentials tls) {
        if (tls.getKeyManagers() == null
                || tls.getKeyManagers().size() != 1
                || tls.getTrustManagers() == null
                || tls.getTrustManagers().size() != 1) {
            throw new IllegalArgumentException("the scheduler's client port takes TLS credentials of one key manager "
                    + "and one trust manager (as the [security] settings make them)");
        }
        ClientAuth clientAuth = switch (tls.getClientAuth()) {
            case NONE -> ClientAuth.NONE;
            case OPTIONAL -> ClientAuth.OPTIONAL;
            case REQUIRE -> ClientAuth.REQUIRE;
        };
        SslContextBuilder builder = GrpcSslContexts.configure(
                        SslContextBuilder.forServer(tls.getKeyManagers().get(0)))
                .trustManager(tls.getTrustManagers().get(0))
                .clientAuth(clientAuth)
                .applicationProtocolConfig(new ApplicationProtocolConfig(
                        ApplicationProtocolConfig.Protocol.ALPN,
                        ApplicationProtocolConfig.SelectorFailureBehavior.NO_ADVERTISE,
                        ApplicationProtocolConfig.SelectedListenerFailureBehavior.ACCEPT,
                        ApplicationProtocolNames.HTTP_1_1,
                        ApplicationProtocolNames.HTTP_2));
        try {
            return builder.build();
        } catch (SSLException e) {
            throw new IllegalStateException("cannot set up TLS on the scheduler's client port: " + e.getMessage(), e);
        }
    }
}
