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
import java.util.ArrayDeque;
import java.util.Map;
import java.util.concurrent.Executor;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.RejectedExecutionException;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Serves one HTTP/1.1 connection of the scheduler's client port: each aggregated request is answered
 * by the {@link PdHttpApi} on the HTTP executor (never on the event loop, which also carries gRPC
 * and thus TSO). A malformed request gets 400, an HTTP version other than 1.0 and 1.1 gets 505, and
 * the connection is closed.
 *
 * <p>Answers leave in request order, whatever the number of executor threads: a connection hands
 * the executor one request at a time and the next only once the previous answer is written, so a
 * later answer (one that closes the connection) can never overtake an earlier one. Reading pauses
 * while a request is answered, but pipelined requests that came in the same read are decoded at
 * once; they wait here, in order, and at most what one read holds can wait. One connection thus
 * takes at most one executor thread, and the threads are shared fairly between connections.
 */
final class PdHttpHandler extends SimpleChannelInboundHandler<FullHttpRequest> {

    private static final Logger LOG = LoggerFactory.getLogger(PdHttpHandler.class);
    private static final String JSON = "application/json; charset=utf-8";
    /** What a refused client is told to wait before it asks again (HTTP's Retry-After, seconds). */
    private static final String BUSY_RETRY_AFTER_SECONDS = "1";

    /**
     * A request read and not answered yet, or ({@code ready} not null) one whose answer is known
     * without the API: a malformed request, an HTTP version we do not speak.
     */
    private record Pending(
            HttpVersion version, String method, String uri, byte[] body, boolean keepAlive, ApiResponse ready) {}

    private final PdHttpApi api;
    private final Executor executor;
    /** Requests read and not yet handed to the executor, oldest first; event loop only. */
    private final ArrayDeque<Pending> waiting = new ArrayDeque<>();
    /** Whether one of this connection's requests is with the executor; event loop only. */
    private boolean answering;
    /** Close once no request is left (gRPC asked to close the connection); event loop only. */
    private boolean closeRequested;
    /** An answer closed (or is closing) the connection: nothing read after it is answered; event loop only. */
    private boolean closing;

    PdHttpHandler(PdHttpApi api, Executor executor) {
        this.api = api;
        this.executor = executor;
    }

    @Override
    protected void channelRead0(ChannelHandlerContext ctx, FullHttpRequest request) {
        if (closing) {
            return;
        }
        ctx.channel().config().setAutoRead(false);
        waiting.add(pending(ctx, request));
        answerNext(ctx);
    }

    private static Pending pending(ChannelHandlerContext ctx, FullHttpRequest request) {
        if (!request.decoderResult().isSuccess()) {
            Throwable cause = request.decoderResult().cause();
            LOG.debug("malformed HTTP request from {}: {}", ctx.channel().remoteAddress(), cause.toString());
            return new Pending(
                    HttpVersion.HTTP_1_1,
                    null,
                    null,
                    null,
                    false,
                    ApiResponse.error(ApiResponse.BAD_REQUEST, "malformed HTTP request: " + cause.getMessage()));
        }
        HttpVersion version = request.protocolVersion();
        if (version.majorVersion() != 1 || version.minorVersion() > 1) {
            return new Pending(
                    HttpVersion.HTTP_1_1,
                    null,
                    null,
                    null,
                    false,
                    new ApiResponse(
                            HttpResponseStatus.HTTP_VERSION_NOT_SUPPORTED.code(),
                            Map.of("error", version + " is not supported; use HTTP/1.1 (or gRPC over HTTP/2)"),
                            Map.of()));
        }
        return new Pending(
                version,
                request.method().name(),
                request.uri(),
                ByteBufUtil.getBytes(request.content()),
                HttpUtil.isKeepAlive(request),
                null);
    }

    /** On the event loop: starts on the oldest waiting request, unless one is being answered. */
    private void answerNext(ChannelHandlerContext ctx) {
        while (!answering && !closing && !waiting.isEmpty()) {
            Pending next = waiting.poll();
            if (next.ready() != null) {
                answered(ctx, next, next.ready());
                continue;
            }
            answering = true;
            try {
                executor.execute(() -> {
                    ApiResponse answer = answer(next);
                    ctx.executor().execute(() -> {
                        answering = false;
                        answered(ctx, next, answer);
                        answerNext(ctx);
                    });
                });
            } catch (RejectedExecutionException e) {
                answering = false;
                answered(ctx, next, refused(ctx, next));
            }
        }
    }

    private ApiResponse refused(ChannelHandlerContext ctx, Pending request) {
        if (executor instanceof ExecutorService service && service.isShutdown()) {
            closing = true;
            return ApiResponse.error(ApiResponse.UNAVAILABLE, "the scheduler is stopping");
        }
        LOG.warn(
                "HTTP API busy: refused {} {} from {}; every answering thread is taken and the queue is full",
                request.method(),
                request.uri(),
                ctx.channel().remoteAddress());
        return new ApiResponse(
                ApiResponse.UNAVAILABLE,
                Map.of(
                        "error",
                        "the scheduler's HTTP API is busy (every thread answering, the queue full);"
                                + " retry in a moment"),
                Map.of(HttpHeaderNames.RETRY_AFTER.toString(), BUSY_RETRY_AFTER_SECONDS));
    }

    /** Whether every request read has been answered. */
    private boolean idle() {
        return !answering && waiting.isEmpty();
    }

    /**
     * On the event loop: writes the answer, then reads on (once nothing is left to answer) or closes.
     * The answer that closes the connection drops what was read after it, as HTTP/1.1 has it.
     */
    private void answered(ChannelHandlerContext ctx, Pending request, ApiResponse answer) {
        boolean stayOpen = request.keepAlive() && !closing && !(closeRequested && idle());
        if (!stayOpen) {
            closing = true;
            waiting.clear();
        }
        write(ctx, request.version(), answer, stayOpen);
    }

    /**
     * Closes the connection now if no request is waiting or being answered, else after the last
     * answer. gRPC asks for this when it gives up on the connection as a transport of its own (its
     * handshake timeout, since an HTTP/1.1 connection never completes gRPC's HTTP/2 negotiation), or
     * when it stops.
     */
    void closeWhenIdle(ChannelHandlerContext ctx) {
        closeRequested = true;
        if (idle()) {
            ctx.close();
        }
    }

    private ApiResponse answer(Pending request) {
        try {
            return api.handle(request.method(), request.uri(), request.body());
        } catch (RuntimeException e) {
            LOG.warn("{} {} failed", request.method(), request.uri(), e);
            return ApiResponse.error(ApiResponse.INTERNAL_ERROR, e.toString());
        }
    }

    private void write(ChannelHandlerContext ctx, HttpVersion version, ApiResponse answer, boolean keepAlive) {
        byte[] json = PdJson.write(answer.body());
        FullHttpResponse response = new DefaultFullHttpResponse(
                version, HttpResponseStatus.valueOf(answer.status()), Unpooled.wrappedBuffer(json));
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
            } else if (idle()) {
                f.channel().config().setAutoRead(true);
            }
        });
    }

    @Override
    public void channelInactive(ChannelHandlerContext ctx) throws Exception {
        closing = true;
        waiting.clear();
        super.channelInactive(ctx);
    }

    @Override
    public void userEventTriggered(ChannelHandlerContext ctx, Object event) throws Exception {
        if (event instanceof IdleStateEvent) {
            // Idle means no request for a while, not a slow answer.
            if (idle()) {
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
