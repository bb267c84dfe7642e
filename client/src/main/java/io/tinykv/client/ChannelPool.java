package io.tinykv.client;

import io.grpc.ManagedChannel;
import io.tinykv.security.ChannelFactory;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.TimeUnit;

/**
 * One channel per address, opened on first use and shared by every caller; a gRPC channel reconnects
 * by itself, so a failed call never needs a new channel.
 */
public final class ChannelPool implements AutoCloseable {
    private static final long SHUTDOWN_WAIT_MS = 1_000;

    private final ChannelFactory factory;
    private final Map<String, ManagedChannel> channels = new ConcurrentHashMap<>();
    private volatile boolean closed;

    public ChannelPool(ChannelFactory factory) {
        this.factory = factory;
    }

    /** The channel to {@code address}; throws {@link IllegalStateException} once the pool is closed. */
    public ManagedChannel get(String address) {
        if (closed) {
            throw new IllegalStateException("client is closed");
        }
        return channels.computeIfAbsent(address, factory::open);
    }

    @Override
    public void close() {
        closed = true;
        List<ManagedChannel> open = new ArrayList<>(channels.values());
        channels.clear();
        for (ManagedChannel channel : open) {
            channel.shutdownNow();
        }
        for (ManagedChannel channel : open) {
            try {
                channel.awaitTermination(SHUTDOWN_WAIT_MS, TimeUnit.MILLISECONDS);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                return;
            }
        }
    }
}
