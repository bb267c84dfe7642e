package io.tinykv.bench.testing;

import io.tinykv.bench.target.BenchTarget;
import java.nio.ByteBuffer;
import java.time.Duration;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicLong;

/**
 * A map pretending to be a store. Each operation can take virtual time on a {@link FakeClock} and
 * every {@code failEvery}-th call can fail, to exercise the driver's accounting.
 */
public final class InMemoryTarget implements BenchTarget {

    private final String name;
    private final FakeClock clock;
    private final Duration latency;
    private final long failEvery;
    private final Map<ByteBuffer, byte[]> data = new ConcurrentHashMap<>();
    public final AtomicLong gets = new AtomicLong();
    public final AtomicLong puts = new AtomicLong();
    private final AtomicLong calls = new AtomicLong();
    public final AtomicBoolean opened = new AtomicBoolean();
    public final AtomicBoolean closed = new AtomicBoolean();
    /** When set, {@link #open()} fails with this message (a server that refuses connections). */
    public volatile String openFailure;

    public InMemoryTarget(String name, FakeClock clock, Duration latency, long failEvery) {
        this.name = name;
        this.clock = clock;
        this.latency = latency;
        this.failEvery = failEvery;
    }

    /** Instant, never failing, on the real clock. */
    public static InMemoryTarget instant(String name) {
        return new InMemoryTarget(name, null, Duration.ZERO, 0);
    }

    @Override
    public String name() {
        return name;
    }

    @Override
    public void open() {
        if (openFailure != null) {
            throw new IllegalStateException(openFailure);
        }
        opened.set(true);
    }

    @Override
    public byte[] get(byte[] key) {
        gets.incrementAndGet();
        tick();
        byte[] v = data.get(ByteBuffer.wrap(key.clone()));
        return v == null ? null : v.clone();
    }

    @Override
    public void put(byte[] key, byte[] value) {
        puts.incrementAndGet();
        tick();
        data.put(ByteBuffer.wrap(key.clone()), value.clone());
    }

    private void tick() {
        if (clock != null) {
            clock.advance(latency);
        }
        if (failEvery > 0 && calls.incrementAndGet() % failEvery == 0) {
            throw new IllegalStateException("injected failure");
        }
    }

    public Map<ByteBuffer, byte[]> data() {
        return data;
    }

    @Override
    public void close() {
        closed.set(true);
    }
}
