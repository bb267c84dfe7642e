package io.tinykv.scheduler.http;

import io.grpc.netty.shaded.io.grpc.netty.GrpcHttp2ConnectionHandler;
import io.grpc.netty.shaded.io.grpc.netty.InternalProtocolNegotiator;
import io.grpc.netty.shaded.io.grpc.netty.InternalProtocolNegotiators;
import io.grpc.netty.shaded.io.grpc.netty.InternalWriteBufferingAndExceptionHandlerUtils;
import io.grpc.netty.shaded.io.netty.channel.ChannelHandler;
import io.grpc.netty.shaded.io.netty.channel.ChannelHandlerContext;
import io.grpc.netty.shaded.io.netty.channel.ChannelPipeline;
import io.grpc.netty.shaded.io.netty.handler.codec.http.HttpObjectAggregator;
import io.grpc.netty.shaded.io.netty.handler.codec.http.HttpServerCodec;
import io.grpc.netty.shaded.io.netty.handler.ssl.SslContext;
import io.grpc.netty.shaded.io.netty.handler.timeout.IdleStateHandler;
import io.grpc.netty.shaded.io.netty.util.AsciiString;
import java.util.concurrent.Executor;
import java.util.concurrent.TimeUnit;

/**
 * gRPC's protocol negotiator for the scheduler's client port: puts a {@link ProtocolDetector} in
 * front of gRPC's own negotiation, so that one port serves gRPC and PD's HTTP/1.1 API, as PD does.
 * Under TLS a {@link TlsHandshakeStage} comes first and the detector reads the decrypted bytes: one
 * port then serves gRPC over TLS and HTTPS, and nothing in plaintext. On the HTTP branch gRPC's
 * write buffer (which holds writes until HTTP/2 negotiation completes, which never happens here) is
 * removed and the HTTP handlers take its place.
 */
final class GrpcOrHttpNegotiator implements InternalProtocolNegotiator.ProtocolNegotiator {

    private final InternalProtocolNegotiator.ProtocolNegotiator inner;
    private final SslContext tls;
    private final PdHttpApi api;
    private final Executor httpExecutor;
    private final HttpLimits limits;

    /** Plaintext: gRPC's plaintext negotiation or HTTP. */
    static GrpcOrHttpNegotiator plaintext(PdHttpApi api, Executor httpExecutor, HttpLimits limits) {
        return new GrpcOrHttpNegotiator(InternalProtocolNegotiators.serverPlaintext(), null, api, httpExecutor, limits);
    }

    /** TLS with {@code tls} (a server context requiring client certificates), then gRPC or HTTPS. */
    static GrpcOrHttpNegotiator tls(SslContext tls, PdHttpApi api, Executor httpExecutor, HttpLimits limits) {
        return new GrpcOrHttpNegotiator(InternalProtocolNegotiators.serverPlaintext(), tls, api, httpExecutor, limits);
    }

    private GrpcOrHttpNegotiator(
            InternalProtocolNegotiator.ProtocolNegotiator inner,
            SslContext tls,
            PdHttpApi api,
            Executor httpExecutor,
            HttpLimits limits) {
        this.inner = inner;
        this.tls = tls;
        this.api = api;
        this.httpExecutor = httpExecutor;
        this.limits = limits;
    }

    @Override
    public AsciiString scheme() {
        return tls == null ? inner.scheme() : AsciiString.of("https");
    }

    @Override
    public ChannelHandler newHandler(GrpcHttp2ConnectionHandler grpcHandler) {
        long timeoutMillis = limits.detectTimeout().toMillis();
        if (tls == null) {
            return new ProtocolDetector(inner.newHandler(grpcHandler), this::installHttp, timeoutMillis);
        }
        // After the handshake the negotiation event carries the TLS session: gRPC's negotiation
        // handler hands it to the transport as is (the plaintext negotiator would not).
        ProtocolDetector detector = new ProtocolDetector(
                InternalProtocolNegotiators.grpcNegotiationHandler(grpcHandler), this::installHttp, timeoutMillis);
        return new TlsHandshakeStage(tls, detector, timeoutMillis);
    }

    private void installHttp(ChannelHandlerContext detector) {
        ChannelPipeline p = detector.pipeline();
        // Added in reverse, each right after the detector, so they end up in this order.
        PdHttpHandler handler = new PdHttpHandler(api, httpExecutor);
        p.addAfter(detector.name(), "pd-http-guard", new GrpcCommandGuard(handler));
        p.addAfter(detector.name(), "pd-http-api", handler);
        p.addAfter(detector.name(), "pd-http-aggregator", new HttpObjectAggregator(limits.maxBodyBytes()));
        p.addAfter(
                detector.name(),
                "pd-http-codec",
                new HttpServerCodec(limits.maxRequestLineBytes(), limits.maxHeaderBytes(), limits.maxBodyBytes()));
        p.addAfter(
                detector.name(),
                "pd-http-idle",
                new IdleStateHandler(0, 0, limits.idleTimeout().toMillis(), TimeUnit.MILLISECONDS));
        InternalWriteBufferingAndExceptionHandlerUtils.writeBufferingAndRemove(detector.channel());
    }

    @Override
    public void close() {
        inner.close();
    }
}
