package io.tinykv.scheduler.http;

import static org.assertj.core.api.Assertions.assertThat;

import io.grpc.netty.shaded.io.netty.channel.embedded.EmbeddedChannel;
import io.grpc.netty.shaded.io.netty.handler.codec.http.DefaultFullHttpRequest;
import io.grpc.netty.shaded.io.netty.handler.codec.http.FullHttpResponse;
import io.grpc.netty.shaded.io.netty.handler.codec.http.HttpHeaderNames;
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
    private final PdHttpApi api = new PdHttpApi(new PdViews(null, null, () -> null, "v"), new SchedulerPauses(() -> 0),
            () -> 0);

    private EmbeddedChannel channel() {
        PdHttpHandler handler = new PdHttpHandler(api, httpExecutor::add);
        return new EmbeddedChannel(handler, new GrpcCommandGuard(handler));
    }

    private static DefaultFullHttpRequest checkerRequest() {
        return new DefaultFullHttpRequest(HttpVersion.HTTP_1_1, HttpMethod.GET, "/pd/api/v1/checker/replica");
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
        assertThat(ch.config().isAutoRead()).as("no more reading while a request is answered").isFalse();
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
        assertThat((Object) ch.readOutbound()).as("gRPC's command never reaches the socket").isNull();
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
}
