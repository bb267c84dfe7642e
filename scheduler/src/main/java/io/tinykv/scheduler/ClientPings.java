package io.tinykv.scheduler;

import io.grpc.netty.shaded.io.grpc.netty.NettyServerBuilder;
import java.util.concurrent.TimeUnit;

/**
 * What every gRPC server of ours accepts from a client's keepalive pings.
 *
 * <p>The TiKV Java client pings each connection every 10 s ({@code tikv.grpc.keepalive_time}),
 * with or without calls in progress. grpc-java's server default accepts one ping per 5 minutes and
 * none on an idle connection: it counts the client's pings as abuse, sends {@code GOAWAY
 * ENHANCE_YOUR_CALM (too_many_pings)} and drops the connection, failing the calls on it. Seen on a
 * busy machine, where a 10 s quiet spell on a connection is common. Pings are answered at this
 * rate instead, idle or not.
 */
public final class ClientPings {

    /** Below the TiKV client's 10 s, with room for a client configured a little more eagerly. */
    public static final long MIN_PING_INTERVAL_SECONDS = 5;

    private ClientPings() {}

    /** {@code builder}, accepting pings every {@link #MIN_PING_INTERVAL_SECONDS}, on idle connections too. */
    public static NettyServerBuilder permit(NettyServerBuilder builder) {
        return builder.permitKeepAliveTime(MIN_PING_INTERVAL_SECONDS, TimeUnit.SECONDS)
                .permitKeepAliveWithoutCalls(true);
    }
}
