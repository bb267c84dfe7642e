package io.tinykv.scheduler.http;

import io.grpc.netty.shaded.io.netty.buffer.ByteBufUtil;
import io.grpc.netty.shaded.io.netty.buffer.Unpooled;
import io.grpc.netty.shaded.io.netty.channel.ChannelFutureListener;
import io.grpc.netty.shaded.io.netty.channel.ChannelHandlerContext;
import io.grpc.netty.shaded.io.netty.channel.SimpleChannelInboundHandler;
import io.grpc.netty.shaded.io.netty.handler.codec.http.DefaultFullHttpResponse;
import io.grpc.netty.shaded.io.netty.handler.codec.http.FullHttpRequest;
import io.grpc.netty.shaded.io.netty.handler.codec.http.FullHttpResponse;
import io.grpc.netty.shaded.io.netty.handler.codec.http.HttpHeaderNames;
import io.grpc.netty.shaded.io.netty.handler.codec.http.HttpHeaderValues;
import io.grpc.netty.shaded.io.netty.handler.codec.http.HttpResponseStatus;
import io.grpc.netty.shaded.io.netty.handler.codec.http.HttpUtil;
import io.grpc.netty.shaded.io.netty.handler.codec.http.HttpVersion;
import io.grpc.netty.shaded.io.netty.handler.timeout.IdleStateEvent;
import java.util.Map;
import java.util.concurrent.Executor;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.RejectedExecutionException;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Serves one HTTP/1.1 connection of the scheduler's client port: each aggregated request is answered
 * by the {@link PdHttpApi} on the HTTP executor (never on the event loop, which also carries gRPC
 * and thus TSO), one request at a time per connection — reading pauses until the answer is written,
 * which keeps pipelined answers in order and bounds what one client can queue. A malformed request
 * gets 400, an HTTP version other than 1.0 and 1.1 gets 505, and the connection is closed.
 */
final class PdHttpHandler extends SimpleChannelInboundHandler<FullHttpRequest> {

    private static final Logger LOG = LoggerFactory.getLogger(PdHttpHandler.class);
    private static final String JSON = "application/json; charset=utf-8";
    /** What a refused client is told to wait before it asks again (HTTP's Retry-After, seconds). */
    private static final String BUSY_RETRY_AFTER_SECONDS = "1";

    private final PdHttpApi api;
    private final Executor executor;
    /** Requests read and not yet answered; only touched on the connection's event loop. */
    private int inFlight;
    /** Close once no request is in flight (gRPC asked to close the connection); event loop only. */
    private boolean closeRequested;

    PdHttpHandler(PdHttpApi api, Executor executor) {
        this.api = api;
        this.executor = executor;
    }

    @Override
    protected void channelRead0(ChannelHandlerContext ctx, FullHttpRequest request) {
        if (!request.decoderResult().isSuccess()) {
            Throwable cause = request.decoderResult().cause();
            LOG.debug("malformed HTTP request from {}: {}", ctx.channel().remoteAddress(), cause.toString());
            write(ctx, HttpVersion.HTTP_1_1, ApiResponse.error(ApiResponse.BAD_REQUEST,
                    "malformed HTTP request: " + cause.getMessage()), false);
            return;
        }
        HttpVersion version = request.protocolVersion();
        if (version.majorVersion() != 1 || version.minorVersion() > 1) {
            write(ctx, HttpVersion.HTTP_1_1, new ApiResponse(HttpResponseStatus.HTTP_VERSION_NOT_SUPPORTED.code(),
                    Map.of("error", version + " is not supported; use HTTP/1.1 (or gRPC over HTTP/2)"), Map.of()),
                    false);
            return;
        }
        String method = request.method().name();
        String uri = request.uri();
        byte[] body = ByteBufUtil.getBytes(request.content());
        boolean keepAlive = HttpUtil.isKeepAlive(request);
        ctx.channel().config().setAutoRead(false);
        inFlight++;
        try {
            executor.execute(() -> ctx.executor().execute(() -> answered(ctx, version, answer(method, uri, body),
                    keepAlive)));
        } catch (RejectedExecutionException e) {
            if (executor instanceof ExecutorService service && service.isShutdown()) {
                answered(ctx, version, ApiResponse.error(ApiResponse.UNAVAILABLE, "the scheduler is stopping"), false);
            } else {
                LOG.warn("HTTP API busy: refused {} {} from {}; every answering thread is taken and the queue is full",
                        method, uri, ctx.channel().remoteAddress());
                answered(ctx, version, new ApiResponse(ApiResponse.UNAVAILABLE,
                        Map.of("error", "the scheduler's HTTP API is busy (every thread answering, the queue full);"
                                + " retry in a moment"),
                        Map.of(HttpHeaderNames.RETRY_AFTER.toString(), BUSY_RETRY_AFTER_SECONDS)), keepAlive);
            }
        }
    }

    /** On the event loop: writes the answer, then reads on or closes. */
    private void answered(ChannelHandlerContext ctx, HttpVersion version, ApiResponse answer, boolean keepAlive) {
        inFlight--;
        boolean stayOpen = keepAlive && !(closeRequested && inFlight == 0);
        write(ctx, version, answer, stayOpen);
    }

    /**
     * Closes the connection now if no request is in flight, else after the last answer. gRPC asks
     * for this when it gives up on the connection as a transport of its own (its handshake timeout,
     * since an HTTP/1.1 connection never completes gRPC's HTTP/2 negotiation), or when it stops.
     */
    void closeWhenIdle(ChannelHandlerContext ctx) {
        closeRequested = true;
        if (inFlight == 0) {
            ctx.close();
        }
    }

    private ApiResponse answer(String method, String uri, byte[] body) {
        try {
            return api.handle(method, uri, body);
        } catch (RuntimeException e) {
            LOG.warn("{} {} failed", method, uri, e);
            return ApiResponse.error(ApiResponse.INTERNAL_ERROR, e.toString());
        }
    }

    private static void write(ChannelHandlerContext ctx, HttpVersion version, ApiResponse answer,
            boolean keepAlive) {
        byte[] json = PdJson.write(answer.body());
        FullHttpResponse response = new DefaultFullHttpResponse(version,
                HttpResponseStatus.valueOf(answer.status()), Unpooled.wrappedBuffer(json));
        response.headers().set(HttpHeaderNames.CONTENT_TYPE, JSON);
        response.headers().setInt(HttpHeaderNames.CONTENT_LENGTH, json.length);
        for (Map.Entry<String, String> h : answer.headers().entrySet()) {
            response.headers().set(h.getKey(), h.getValue());
        }
        if (!keepAlive) {
            response.headers().set(HttpHeaderNames.CONNECTION, HttpHeaderValues.CLOSE);
        } else if (!version.isKeepAliveDefault()) {
            response.headers().set(HttpHeaderNames.CONNECTION, HttpHeaderValues.KEEP_ALIVE);
        }
        ctx.writeAndFlush(response).addListener((ChannelFutureListener) f -> {
            if (!keepAlive || !f.isSuccess()) {
                f.channel().close();
            } else {
                f.channel().config().setAutoRead(true);
            }
        });
    }

    @Override
    public void userEventTriggered(ChannelHandlerContext ctx, Object event) throws Exception {
        if (event instanceof IdleStateEvent) {
            // Idle means no request for a while, not a slow answer.
            if (inFlight == 0) {
                LOG.debug("closing idle HTTP connection from {}", ctx.channel().remoteAddress());
                ctx.close();
            }
            return;
        }
        super.userEventTriggered(ctx, event);
    }

    @Override
    public void exceptionCaught(ChannelHandlerContext ctx, Throwable cause) {
        LOG.debug("HTTP connection from {} failed: {}", ctx.channel().remoteAddress(), cause.toString());
        ctx.close();
    }
}
