package io.tinykv.scheduler.http;

import io.grpc.netty.shaded.io.grpc.netty.ProtocolNegotiationEvent;
import io.grpc.netty.shaded.io.netty.buffer.ByteBuf;
import io.grpc.netty.shaded.io.netty.channel.ChannelHandler;
import io.grpc.netty.shaded.io.netty.channel.ChannelHandlerContext;
import io.grpc.netty.shaded.io.netty.handler.codec.ByteToMessageDecoder;
import io.grpc.netty.shaded.io.netty.util.concurrent.ScheduledFuture;
import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.function.Consumer;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The first handler of every connection to the scheduler's client port: looks at the first bytes
 * and hands the connection to gRPC or to the HTTP/1.1 API, then leaves the pipeline.
 *
 * <p>A gRPC client speaks HTTP/2 with prior knowledge, so its first 24 bytes are the HTTP/2
 * connection preface {@code PRI * HTTP/2.0\r\n\r\nSM\r\n\r\n}; anything else is taken for HTTP/1.1
 * (an HTTP/1.1 request line differs from the preface within its first bytes, so the choice is made
 * on the first read). gRPC's own negotiation starts with a {@link ProtocolNegotiationEvent} fired
 * when the connection is set up; it is held here and passed on only on the gRPC branch, so that
 * after the choice the pipeline is exactly gRPC's own and costs nothing per message.
 *
 * <p>The bytes read so far are never consumed: removing this decoder hands them, in order, to the
 * handler now after it.
 */
final class ProtocolDetector extends ByteToMessageDecoder {

    private static final Logger LOG = LoggerFactory.getLogger(ProtocolDetector.class);
    static final byte[] HTTP2_PREFACE = "PRI * HTTP/2.0\r\n\r\nSM\r\n\r\n".getBytes(StandardCharsets.US_ASCII);

    private final ChannelHandler grpcNegotiation;
    private final Consumer<ChannelHandlerContext> installHttp;
    private final long detectTimeoutMillis;
    private ProtocolNegotiationEvent negotiation;
    private ScheduledFuture<?> deadline;

    /**
     * @param grpcNegotiation gRPC's negotiation handler for this connection, added on the gRPC branch
     * @param installHttp adds the HTTP/1.1 handlers after this one (given this handler's context)
     */
    ProtocolDetector(
            ChannelHandler grpcNegotiation, Consumer<ChannelHandlerContext> installHttp, long detectTimeoutMillis) {
        this.grpcNegotiation = grpcNegotiation;
        this.installHttp = installHttp;
        this.detectTimeoutMillis = detectTimeoutMillis;
    }

    @Override
    public void handlerAdded(ChannelHandlerContext ctx) {
        deadline = ctx.executor()
                .schedule(
                        () -> {
                            LOG.debug(
                                    "closing {}: no protocol detected within {} ms",
                                    ctx.channel().remoteAddress(),
                                    detectTimeoutMillis);
                            ctx.close();
                        },
                        detectTimeoutMillis,
                        TimeUnit.MILLISECONDS);
    }

    @Override
    protected void handlerRemoved0(ChannelHandlerContext ctx) {
        if (deadline != null) {
            deadline.cancel(false);
        }
    }

    @Override
    public void userEventTriggered(ChannelHandlerContext ctx, Object event) throws Exception {
        if (event instanceof ProtocolNegotiationEvent pne) {
            negotiation = pne;
            return;
        }
        super.userEventTriggered(ctx, event);
    }

    @Override
    protected void decode(ChannelHandlerContext ctx, ByteBuf in, List<Object> out) {
        Boolean grpc = isHttp2Preface(in);
        if (grpc == null) {
            return;
        }
        if (negotiation == null) {
            throw new IllegalStateException("gRPC's protocol negotiation did not start before the first bytes");
        }
        if (grpc) {
            ctx.pipeline().addAfter(ctx.name(), null, grpcNegotiation);
            ctx.fireUserEventTriggered(negotiation);
        } else {
            installHttp.accept(ctx);
        }
        ctx.pipeline().remove(this);
    }

    /** True for the HTTP/2 preface, false as soon as a byte differs, null while undecided. */
    static Boolean isHttp2Preface(ByteBuf in) {
        int n = Math.min(in.readableBytes(), HTTP2_PREFACE.length);
        for (int i = 0; i < n; i++) {
            if (in.getByte(in.readerIndex() + i) != HTTP2_PREFACE[i]) {
                return false;
            }
        }
        return n == HTTP2_PREFACE.length ? Boolean.TRUE : null;
    }
}
