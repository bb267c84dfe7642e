package io.tinykv.compat;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.logging.Level;
import org.junit.jupiter.api.Assumptions;
import org.openqa.selenium.chrome.ChromeDriver;
import org.openqa.selenium.chrome.ChromeDriverService;
import org.openqa.selenium.chrome.ChromeOptions;
import org.openqa.selenium.logging.LogEntry;
import org.openqa.selenium.logging.LogType;
import org.openqa.selenium.logging.LoggingPreferences;

/**
 * Debian's headless Chromium driven through its chromedriver (packages {@code chromium} and
 * {@code chromium-driver}, which {@code .ci/run} installs). When they are missing the browser tests
 * fail with what to install — a page test that skips silently proves nothing — unless
 * {@code -Dtinykv.browser-tests=skip} says to skip them (for machines without a browser).
 */
final class HeadlessChromium {
    static final String SKIP_PROPERTY = "tinykv.browser-tests";
    private static final List<Path> BROWSERS =
            List.of(Path.of("/usr/bin/chromium"), Path.of("/usr/bin/chromium-browser"));
    private static final List<Path> DRIVERS =
            List.of(Path.of("/usr/bin/chromedriver"), Path.of("/usr/lib/chromium/chromedriver"));

    private HeadlessChromium() {}

    /** Starts the browser (headless, console messages logged), or fails or skips as described above. */
    static ChromeDriver start() {
        Path browser = BROWSERS.stream().filter(Files::isExecutable).findFirst().orElse(null);
        Path driver = DRIVERS.stream().filter(Files::isExecutable).findFirst().orElse(null);
        if (browser == null || driver == null) {
            String missing = "headless Chromium is needed for the status page tests but "
                    + (browser == null
                            ? "no chromium is installed (looked at " + BROWSERS + ")"
                            : "no chromedriver is installed (looked at " + DRIVERS + ")")
                    + ": apt-get install chromium chromium-driver (.ci/run does), or run with -D" + SKIP_PROPERTY
                    + "=skip to skip these tests";
            Assumptions.assumeFalse("skip".equals(System.getProperty(SKIP_PROPERTY)), missing);
            throw new AssertionError(missing);
        }
        ChromeOptions options = new ChromeOptions();
        options.setBinary(browser.toFile());
        options.addArguments(
                "--headless=new",
                "--no-sandbox",
                "--disable-dev-shm-usage",
                "--disable-gpu",
                "--window-size=1400,2000");
        LoggingPreferences logs = new LoggingPreferences();
        logs.enable(LogType.BROWSER, Level.ALL);
        options.setCapability(ChromeOptions.LOGGING_PREFS, logs);
        ChromeDriverService service = new ChromeDriverService.Builder()
                .usingDriverExecutable(driver.toFile())
                .usingAnyFreePort()
                .build();
        return new ChromeDriver(service, options);
    }

    /** The console's errors (level SEVERE) since the last call. */
    static List<String> consoleErrors(ChromeDriver chrome) {
        return chrome.manage().logs().get(LogType.BROWSER).getAll().stream()
                .filter(e -> e.getLevel().intValue() >= Level.SEVERE.intValue())
                .map(LogEntry::toString)
                .toList();
    }
}
