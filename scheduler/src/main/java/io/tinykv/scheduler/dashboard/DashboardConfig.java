package io.tinykv.scheduler.dashboard;

import java.time.Duration;

/**
 * The status page's settings.
 *
 * @param sampleInterval how often the charts get a sample (and stores' metrics are scraped)
 * @param samplesKept how many samples the charts keep (the default: half an hour)
 * @param scrapeTimeout how long one store's {@code /metrics} may take
 * @param warningRepeat how often the log repeats that regions are under-replicated while they are
 */
public record DashboardConfig(
        Duration sampleInterval, int samplesKept, Duration scrapeTimeout, Duration warningRepeat) {

    public static final DashboardConfig DEFAULTS =
            new DashboardConfig(Duration.ofSeconds(5), 360, Duration.ofSeconds(2), Duration.ofMinutes(1));

    public DashboardConfig {
        if (sampleInterval.isNegative()
                || sampleInterval.isZero()
                || samplesKept < 1
                || scrapeTimeout.isNegative()
                || scrapeTimeout.isZero()
                || warningRepeat.isNegative()) {
            throw new IllegalArgumentException("invalid status page settings: " + sampleInterval + ", " + samplesKept
                    + " samples, scrape timeout " + scrapeTimeout + ", warning repeat " + warningRepeat);
        }
    }
}
