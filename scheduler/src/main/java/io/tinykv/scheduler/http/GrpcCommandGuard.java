package io.tinykv.scheduler.http;

import io.grpc.netty.shaded.io.netty.buffer.ByteBuf;
import io.grpc.netty.shaded.io.netty.channel.ChannelHandlerContext;
import io.grpc.netty.shaded.io.netty.channel.ChannelOutboundHandlerAdapter;
import io.grpc.netty.shaded.io.netty.channel.ChannelPromise;
import io.grpc.netty.shaded.io.netty.handler.codec.http.HttpObject;
import io.grpc.netty.shaded.io.netty.util.ReferenceCountUtil;

/**
 * The last handler of an HTTP/1.1 connection. gRPC still counts the connection as one of its
 * transports and writes its close commands into the channel (when its handshake timeout passes,
 * since an HTTP/1.1 connection never completes gRPC's HTTP/2 negotiation, or when the server is
 * forced to stop); they are not HTTP, so this handler turns any such write into closing the
 * connection once every request read from it is answered.
 */
final class GrpcCommandGuard extends ChannelOutboundHandlerAdapter {

    private final PdHttpHandler http;

    GrpcCommandGuard(PdHttpHandler http) {
        this.http = http;
    }

    @Override
    public void write(ChannelHandlerContext ctx, Object msg, ChannelPromise promise) {
        if (msg instanceof HttpObject || msg instanceof ByteBuf) {
            ctx.write(msg, promise);
            return;
        }
        ReferenceCountUtil.release(msg);
        promise.trySuccess();
        http.closeWhenIdle(ctx);
    }
}
