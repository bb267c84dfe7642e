package io.tinykv.client;

import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLong;

/** Virtual time: sleeping only moves the clock forward, so backoff never blocks a test. */
public final class FakeClock implements Clock {
  private final AtomicLong nowMs = new AtomicLong();
  private final AtomicLong sleptMs = new AtomicLong();
  private final AtomicInteger sleeps = new AtomicInteger();

  @Override
  public long nowMillis() {
    return nowMs.get();
  }

  @Override
  public void sleepMillis(long millis) {
    if (millis < 0) {
      throw new IllegalArgumentException("negative sleep " + millis);
    }
    sleeps.incrementAndGet();
    sleptMs.addAndGet(millis);
    nowMs.addAndGet(millis);
  }

  public long sleptMs() {
    return sleptMs.get();
  }

  public int sleeps() {
    return sleeps.get();
  }
}
