package io.tinykv.scheduler.http;

import static org.assertj.core.api.Assertions.assertThat;

import io.grpc.netty.shaded.io.netty.channel.embedded.EmbeddedChannel;
import io.grpc.netty.shaded.io.netty.handler.codec.DecoderResult;
import io.grpc.netty.shaded.io.netty.handler.codec.http.DefaultFullHttpRequest;
import io.grpc.netty.shaded.io.netty.handler.codec.http.FullHttpResponse;
import io.grpc.netty.shaded.io.netty.handler.codec.http.HttpHeaderNames;
import io.grpc.netty.shaded.io.netty.handler.codec.http.HttpHeaderValues;
import io.grpc.netty.shaded.io.netty.handler.codec.http.HttpMethod;
import io.grpc.netty.shaded.io.netty.handler.codec.http.HttpVersion;
import io.tinykv.scheduler.SchedulerPauses;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;

/**
 * One HTTP connection's handler on an in-memory channel, its HTTP executor run by hand: keep-alive,
 * and gRPC's close commands (its handshake timeout passes for every HTTP connection) closing the
 * connection only once the request in flight is answered.
 */
class PdHttpHandlerTest {

    private final List<Runnable> httpExecutor = new ArrayList<>();
    /** Only the checker routes are asked here; they need no cluster. */
    private final PdHttpApi api =
            new PdHttpApi(new PdViews(null, null, () -> null, "v"), new SchedulerPauses(() -> 0), () -> 0);

    private EmbeddedChannel channel() {
        PdHttpHandler handler = new PdHttpHandler(api, httpExecutor::add);
        return new EmbeddedChannel(handler, new GrpcCommandGuard(handler));
    }

    private static DefaultFullHttpRequest checkerRequest() {
        return new DefaultFullHttpRequest(HttpVersion.HTTP_1_1, HttpMethod.GET, "/pd/api/v1/checker/replica");
    }

    /** A request whose answer closes the connection: 404 (no such route), {@code Connection: close}. */
    private static DefaultFullHttpRequest closingRequest() {
        DefaultFullHttpRequest request =
                new DefaultFullHttpRequest(HttpVersion.HTTP_1_1, HttpMethod.GET, "/pd/api/v1/no-such-route");
        request.headers().set(HttpHeaderNames.CONNECTION, HttpHeaderValues.CLOSE);
        return request;
    }

    /**
     * Runs what the connection handed the HTTP executor, newest first, until it hands over nothing
     * more: as threads would finish when an earlier request is slower than a later one.
     */
    private void runHttpExecutorNewestFirst(EmbeddedChannel ch) {
        while (!httpExecutor.isEmpty()) {
            List<Runnable> tasks = new ArrayList<>(httpExecutor);
            httpExecutor.clear();
            java.util.Collections.reverse(tasks);
            tasks.forEach(Runnable::run);
            ch.runPendingTasks();
        }
    }

    /** The status codes written so far, in order, each with its Connection header (or "-"). */
    private static List<String> answers(EmbeddedChannel ch) {
        List<String> out = new ArrayList<>();
        for (FullHttpResponse r; (r = ch.readOutbound()) != null; ) {
            out.add(r.status().code() + " " + r.headers().get(HttpHeaderNames.CONNECTION, "-"));
            r.release();
        }
        return out;
    }

    private void runHttpExecutor(EmbeddedChannel ch) {
        List<Runnable> tasks = List.copyOf(httpExecutor);
        httpExecutor.clear();
        tasks.forEach(Runnable::run);
        ch.runPendingTasks();
    }

    /** What gRPC's transport writes from the channel's tail when it gives up on the connection. */
    private static void grpcCloseCommand(EmbeddedChannel ch) {
        ch.writeOneOutbound(new Object());
    }

    @Test
    void aKeptAliveConnectionReadsOnAfterEachAnswer() {
        EmbeddedChannel ch = channel();
        ch.writeInbound(checkerRequest());
        assertThat(ch.config().isAutoRead())
                .as("no more reading while a request is answered")
                .isFalse();
        runHttpExecutor(ch);
        FullHttpResponse response = ch.readOutbound();
        assertThat(response.status().code()).isEqualTo(200);
        assertThat(response.content().toString(StandardCharsets.UTF_8)).isEqualTo("{\"paused\":false}");
        assertThat(response.headers().contains(HttpHeaderNames.CONNECTION)).isFalse();
        response.release();
        assertThat(ch.isOpen()).isTrue();
        assertThat(ch.config().isAutoRead()).isTrue();
        ch.finishAndReleaseAll();
    }

    @Test
    void grpcClosingAnIdleConnectionClosesItAtOnce() {
        EmbeddedChannel ch = channel();
        grpcCloseCommand(ch);
        assertThat(ch.isOpen()).isFalse();
        assertThat((Object) ch.readOutbound())
                .as("gRPC's command never reaches the socket")
                .isNull();
    }

    @Test
    void grpcClosingAConnectionWithARequestInFlightClosesItAfterTheAnswer() {
        EmbeddedChannel ch = channel();
        ch.writeInbound(checkerRequest());
        grpcCloseCommand(ch);
        assertThat(ch.isOpen()).as("the request in flight is answered first").isTrue();
        runHttpExecutor(ch);
        FullHttpResponse response = ch.readOutbound();
        assertThat(response.status().code()).isEqualTo(200);
        assertThat(response.headers().get(HttpHeaderNames.CONNECTION)).isEqualTo("close");
        response.release();
        assertThat(ch.isOpen()).isFalse();
    }

    @Test
    void pipelinedAnswersLeaveInRequestOrderWhenALaterOneIsReadyFirst() {
        EmbeddedChannel ch = channel();
        // Both requests come in one read: the decoder hands them over one after the other.
        ch.writeInbound(checkerRequest(), closingRequest());
        assertThat(httpExecutor)
                .as("one request of a connection at the executor at a time")
                .hasSize(1);
        runHttpExecutorNewestFirst(ch);
        assertThat(answers(ch)).containsExactly("200 -", "404 close");
        assertThat(ch.isOpen()).isFalse();
    }

    @Test
    void aMalformedRequestPipelinedAfterAGoodOneIsAnsweredAfterIt() {
        EmbeddedChannel ch = channel();
        DefaultFullHttpRequest malformed = checkerRequest();
        malformed.setDecoderResult(DecoderResult.failure(new IllegalArgumentException("bad header")));
        ch.writeInbound(checkerRequest(), malformed);
        assertThat(answers(ch)).as("nothing before the first answer").isEmpty();
        runHttpExecutorNewestFirst(ch);
        assertThat(answers(ch)).containsExactly("200 -", "400 close");
        assertThat(ch.isOpen()).isFalse();
    }

    @Test
    void whatComesAfterTheRequestThatClosesIsNotAnswered() {
        EmbeddedChannel ch = channel();
        ch.writeInbound(closingRequest(), checkerRequest());
        runHttpExecutorNewestFirst(ch);
        assertThat(answers(ch)).containsExactly("404 close");
        assertThat(ch.isOpen()).isFalse();
    }

    @Test
    void readingResumesOnlyOnceEveryPipelinedRequestIsAnswered() {
        EmbeddedChannel ch = channel();
        ch.writeInbound(checkerRequest(), checkerRequest());
        httpExecutor.remove(0).run();
        ch.runPendingTasks();
        assertThat(answers(ch)).containsExactly("200 -");
        assertThat(ch.config().isAutoRead())
                .as("the second request is still to answer")
                .isFalse();
        runHttpExecutor(ch);
        assertThat(answers(ch)).containsExactly("200 -");
        assertThat(ch.config().isAutoRead()).isTrue();
        assertThat(ch.isOpen()).isTrue();
        ch.finishAndReleaseAll();
    }
}
