package io.tinykv.client;

/**
 * The client's source of time and its way of waiting. Retries back off through {@link #sleepMillis},
 * so a test can hand in a virtual clock whose sleep only advances {@link #nowMillis} and never blocks.
 */
public interface Clock {
  /** Milliseconds on a monotonic scale; only differences are meaningful. */
  long nowMillis();

  /** Waits {@code millis} milliseconds (or advances virtual time by as much). */
  void sleepMillis(long millis) throws InterruptedException;

  /** The real clock: {@link System#nanoTime()} and {@link Thread#sleep(long)}. */
  static Clock system() {
    return SystemClock.INSTANCE;
  }

  /** The real clock as a singleton, so {@link #system()} hands out one instance. */
  enum SystemClock implements Clock {
    INSTANCE;

    private static final long NANOS_PER_MILLI = 1_000_000L;

    @Override
    public long nowMillis() {
      return System.nanoTime() / NANOS_PER_MILLI;
    }

    @Override
    public void sleepMillis(long millis) throws InterruptedException {
      Thread.sleep(millis);
    }
  }
}
