package io.tinykv.scheduler.http;

import io.grpc.netty.shaded.io.grpc.netty.GrpcHttp2ConnectionHandler;
import io.grpc.netty.shaded.io.grpc.netty.InternalProtocolNegotiator;
import io.grpc.netty.shaded.io.grpc.netty.InternalWriteBufferingAndExceptionHandlerUtils;
import io.grpc.netty.shaded.io.netty.channel.ChannelHandler;
import io.grpc.netty.shaded.io.netty.channel.ChannelHandlerContext;
import io.grpc.netty.shaded.io.netty.channel.ChannelPipeline;
import io.grpc.netty.shaded.io.netty.handler.codec.http.HttpObjectAggregator;
import io.grpc.netty.shaded.io.netty.handler.codec.http.HttpServerCodec;
import io.grpc.netty.shaded.io.netty.handler.timeout.IdleStateHandler;
import io.grpc.netty.shaded.io.netty.util.AsciiString;
import java.util.concurrent.Executor;
import java.util.concurrent.TimeUnit;

/**
 * gRPC's protocol negotiator for the scheduler's client port: wraps gRPC's own negotiator
 * ({@code inner}, plaintext today) behind a {@link ProtocolDetector}, so that one port serves gRPC
 * and PD's HTTP/1.1 API, as PD does. On the HTTP branch gRPC's write buffer (which holds writes
 * until HTTP/2 negotiation completes, which never happens here) is removed and the HTTP handlers
 * take its place.
 */
final class GrpcOrHttpNegotiator implements InternalProtocolNegotiator.ProtocolNegotiator {

    private final InternalProtocolNegotiator.ProtocolNegotiator inner;
    private final PdHttpApi api;
    private final Executor httpExecutor;
    private final HttpLimits limits;

    GrpcOrHttpNegotiator(InternalProtocolNegotiator.ProtocolNegotiator inner, PdHttpApi api, Executor httpExecutor,
            HttpLimits limits) {
        this.inner = inner;
        this.api = api;
        this.httpExecutor = httpExecutor;
        this.limits = limits;
    }

    @Override
    public AsciiString scheme() {
        return inner.scheme();
    }

    @Override
    public ChannelHandler newHandler(GrpcHttp2ConnectionHandler grpcHandler) {
        return new ProtocolDetector(inner.newHandler(grpcHandler), this::installHttp,
                limits.detectTimeout().toMillis());
    }

    private void installHttp(ChannelHandlerContext detector) {
        ChannelPipeline p = detector.pipeline();
        // Added in reverse, each right after the detector, so they end up in this order.
        PdHttpHandler handler = new PdHttpHandler(api, httpExecutor);
        p.addAfter(detector.name(), "pd-http-guard", new GrpcCommandGuard(handler));
        p.addAfter(detector.name(), "pd-http-api", handler);
        p.addAfter(detector.name(), "pd-http-aggregator", new HttpObjectAggregator(limits.maxBodyBytes()));
        p.addAfter(detector.name(), "pd-http-codec",
                new HttpServerCodec(limits.maxRequestLineBytes(), limits.maxHeaderBytes(), limits.maxBodyBytes()));
        p.addAfter(detector.name(), "pd-http-idle",
                new IdleStateHandler(0, 0, limits.idleTimeout().toMillis(), TimeUnit.MILLISECONDS));
        InternalWriteBufferingAndExceptionHandlerUtils.writeBufferingAndRemove(detector.channel());
    }

    @Override
    public void close() {
        inner.close();
    }
}
