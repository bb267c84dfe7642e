package io.tinykv.bench.driver;

/** What the load phase did: how many records it inserted and how fast. */
public record LoadResult(long records, double seconds) {

    public static final LoadResult SKIPPED = new LoadResult(0, 0);

    public double recordsPerSecond() {
        return seconds > 0 ? records / seconds : 0;
    }
}
