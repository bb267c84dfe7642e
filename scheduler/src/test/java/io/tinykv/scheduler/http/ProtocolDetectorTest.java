package io.tinykv.scheduler.http;

import static org.assertj.core.api.Assertions.assertThat;

import io.grpc.netty.shaded.io.grpc.netty.InternalProtocolNegotiationEvent;
import io.grpc.netty.shaded.io.grpc.netty.ProtocolNegotiationEvent;
import io.grpc.netty.shaded.io.netty.buffer.ByteBuf;
import io.grpc.netty.shaded.io.netty.buffer.Unpooled;
import io.grpc.netty.shaded.io.netty.channel.ChannelHandlerContext;
import io.grpc.netty.shaded.io.netty.channel.ChannelInboundHandlerAdapter;
import io.grpc.netty.shaded.io.netty.channel.embedded.EmbeddedChannel;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import org.junit.jupiter.api.Test;

/** The first-bytes choice between gRPC and HTTP/1.1, on an in-memory channel. */
class ProtocolDetectorTest {

    private static final long DETECT_TIMEOUT_MILLIS = 60_000;

    /** Stands in for gRPC's negotiation or the HTTP handlers: records what reaches it. */
    private static final class Recorder extends ChannelInboundHandlerAdapter {
        final List<Object> events = new ArrayList<>();
        final StringBuilder bytes = new StringBuilder();

        @Override
        public void userEventTriggered(ChannelHandlerContext ctx, Object evt) {
            events.add(evt);
        }

        @Override
        public void channelRead(ChannelHandlerContext ctx, Object msg) {
            ByteBuf b = (ByteBuf) msg;
            bytes.append(b.toString(StandardCharsets.ISO_8859_1));
            b.release();
        }
    }

    private final Recorder grpc = new Recorder();
    private final Recorder http = new Recorder();
    private final ProtocolNegotiationEvent negotiation = InternalProtocolNegotiationEvent.getDefault();

    private EmbeddedChannel channel() {
        ProtocolDetector detector = new ProtocolDetector(
                grpc, ctx -> ctx.pipeline().addAfter(ctx.name(), null, http), DETECT_TIMEOUT_MILLIS);
        EmbeddedChannel ch = new EmbeddedChannel(detector);
        ch.pipeline().fireUserEventTriggered(negotiation);
        return ch;
    }

    private static ByteBuf ascii(String s) {
        return Unpooled.copiedBuffer(s, StandardCharsets.ISO_8859_1);
    }

    @Test
    void thePrefaceInPiecesGoesToGrpcWithTheNegotiationEventAndEveryByte() {
        EmbeddedChannel ch = channel();
        String preface = new String(ProtocolDetector.HTTP2_PREFACE, StandardCharsets.ISO_8859_1);
        ch.writeInbound(ascii(preface.substring(0, 10)));
        assertThat(ch.pipeline().get(ProtocolDetector.class))
                .as("undecided after 10 bytes")
                .isNotNull();
        assertThat(grpc.events).isEmpty();
        ch.writeInbound(ascii(preface.substring(10) + "frames"));
        assertThat(ch.pipeline().get(ProtocolDetector.class)).isNull();
        assertThat(grpc.events).containsExactly(negotiation);
        assertThat(grpc.bytes.toString()).isEqualTo(preface + "frames");
        assertThat(http.bytes).isEmpty();
        ch.writeInbound(ascii("more"));
        assertThat(grpc.bytes.toString()).endsWith("framesmore");
        ch.finishAndReleaseAll();
    }

    @Test
    void anHttpRequestGoesToHttpOnItsFirstByteAndTheEventStaysWithGrpc() {
        EmbeddedChannel ch = channel();
        ch.writeInbound(ascii("G"));
        assertThat(ch.pipeline().get(ProtocolDetector.class)).isNull();
        ch.writeInbound(ascii("ET / HTTP/1.1\r\n"));
        assertThat(http.bytes.toString()).isEqualTo("GET / HTTP/1.1\r\n");
        assertThat(http.events).doesNotContain(negotiation);
        assertThat(grpc.events).isEmpty();
        ch.finishAndReleaseAll();
    }

    @Test
    void aStartLikeThePrefaceThatDepartsFromItIsHttp() {
        EmbeddedChannel ch = channel();
        ch.writeInbound(ascii("PRI * HTTP/1.1\r\n"));
        assertThat(http.bytes.toString()).isEqualTo("PRI * HTTP/1.1\r\n");
        assertThat(grpc.bytes).isEmpty();
        ch.finishAndReleaseAll();
    }

    @Test
    void isHttp2PrefaceIsUndecidedOnlyWhileEveryByteMatches() {
        byte[] p = ProtocolDetector.HTTP2_PREFACE;
        assertThat(ProtocolDetector.isHttp2Preface(Unpooled.EMPTY_BUFFER)).isNull();
        assertThat(ProtocolDetector.isHttp2Preface(Unpooled.wrappedBuffer(Arrays.copyOf(p, 23))))
                .isNull();
        assertThat(ProtocolDetector.isHttp2Preface(Unpooled.wrappedBuffer(p))).isTrue();
        byte[] off = p.clone();
        off[22] = 'x';
        assertThat(ProtocolDetector.isHttp2Preface(Unpooled.wrappedBuffer(off))).isFalse();
    }
}
