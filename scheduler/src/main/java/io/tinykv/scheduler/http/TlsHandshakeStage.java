package io.tinykv.scheduler.http;

import io.grpc.Attributes;
import io.grpc.Grpc;
import io.grpc.InternalChannelz;
import io.grpc.netty.shaded.io.grpc.netty.InternalProtocolNegotiationEvent;
import io.grpc.netty.shaded.io.grpc.netty.ProtocolNegotiationEvent;
import io.grpc.netty.shaded.io.netty.channel.ChannelHandler;
import io.grpc.netty.shaded.io.netty.channel.ChannelHandlerContext;
import io.grpc.netty.shaded.io.netty.channel.ChannelInboundHandlerAdapter;
import io.grpc.netty.shaded.io.netty.handler.ssl.SslContext;
import io.grpc.netty.shaded.io.netty.handler.ssl.SslHandler;
import io.grpc.netty.shaded.io.netty.handler.ssl.SslHandshakeCompletionEvent;
import javax.net.ssl.SSLSession;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The first stage of a connection to the scheduler's client port under TLS: the TLS handshake
 * (client certificate required, checked by the same trust manager as gRPC's), then the
 * {@link ProtocolDetector} on the decrypted bytes. What gRPC's own server TLS handler does, with
 * the detector in the place where gRPC would put its HTTP/2 handler: the negotiation event passed on
 * carries the TLS session ({@link Grpc#TRANSPORT_ATTR_SSL_SESSION}), so a gRPC call sees its caller's
 * certificate exactly as on a gRPC-only port. A failed handshake closes the connection: nothing
 * is ever read in plaintext.
 */
final class TlsHandshakeStage extends ChannelInboundHandlerAdapter {

    private static final Logger LOG = LoggerFactory.getLogger(TlsHandshakeStage.class);

    private final SslContext sslContext;
    private final ChannelHandler next;
    private final long handshakeTimeoutMillis;
    private ProtocolNegotiationEvent negotiation;

    /**
     * @param next the handler that takes over after the handshake (the protocol detector)
     * @param handshakeTimeoutMillis how long a connection may take to complete the handshake
     */
    TlsHandshakeStage(SslContext sslContext, ChannelHandler next, long handshakeTimeoutMillis) {
        this.sslContext = sslContext;
        this.next = next;
        this.handshakeTimeoutMillis = handshakeTimeoutMillis;
    }

    @Override
    public void handlerAdded(ChannelHandlerContext ctx) {
        SslHandler tls = sslContext.newHandler(ctx.alloc());
        tls.setHandshakeTimeoutMillis(handshakeTimeoutMillis);
        ctx.pipeline().addBefore(ctx.name(), null, tls);
    }

    @Override
    public void userEventTriggered(ChannelHandlerContext ctx, Object event) throws Exception {
        if (event instanceof ProtocolNegotiationEvent pne) {
            negotiation = pne;
            return;
        }
        if (event instanceof SslHandshakeCompletionEvent done) {
            if (!done.isSuccess()) {
                LOG.debug(
                        "TLS handshake with {} failed: {}",
                        ctx.channel().remoteAddress(),
                        done.cause().toString());
                ctx.close();
                return;
            }
            if (negotiation == null) {
                throw new IllegalStateException("gRPC's protocol negotiation did not start before the TLS handshake");
            }
            SSLSession session = ctx.pipeline().get(SslHandler.class).engine().getSession();
            Attributes attributes = InternalProtocolNegotiationEvent.getAttributes(negotiation).toBuilder()
                    .set(Grpc.TRANSPORT_ATTR_SSL_SESSION, session)
                    .build();
            ProtocolNegotiationEvent secured = InternalProtocolNegotiationEvent.withSecurity(
                    InternalProtocolNegotiationEvent.withAttributes(negotiation, attributes),
                    new InternalChannelz.Security(new InternalChannelz.Tls(session)));
            ctx.pipeline().replace(this, null, next);
            ctx.fireUserEventTriggered(secured);
            return;
        }
        super.userEventTriggered(ctx, event);
    }

    @Override
    public void exceptionCaught(ChannelHandlerContext ctx, Throwable cause) {
        LOG.debug(
                "closing {} before its TLS handshake completed: {}",
                ctx.channel().remoteAddress(),
                cause.toString());
        ctx.close();
    }
}
