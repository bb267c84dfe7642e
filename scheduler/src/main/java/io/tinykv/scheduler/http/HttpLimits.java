package io.tinykv.scheduler.http;

import java.time.Duration;

/**
 * Bounds of the HTTP/1.1 side of the scheduler's client port.
 *
 * @param detectTimeout how long a new connection may stay silent before its protocol is known;
 *     then it is closed (a gRPC client sends its preface at once, an HTTP client its request line)
 * @param idleTimeout how long an HTTP connection may idle between requests before it is closed
 * @param maxRequestLineBytes the longest request line (a region key travels in the path)
 * @param maxHeaderBytes the most header bytes of one request
 * @param maxBodyBytes the largest request body (PD's bodies are small JSON objects); larger is 413
 * @param threads requests answered at once, of different connections: a connection's requests are
 *     answered one after the other, in order ({@link PdHttpHandler}); see {@link #DEFAULT_THREADS}
 * @param queuedRequests requests read and waiting for a thread; one more is answered 503 at once
 *     (busy, retry) instead of growing a queue without bound
 */
public record HttpLimits(
        Duration detectTimeout,
        Duration idleTimeout,
        int maxRequestLineBytes,
        int maxHeaderBytes,
        int maxBodyBytes,
        int threads,
        int queuedRequests) {

    /**
     * Two, for a scheduler on two cores: one slow answer (a page of thousands of regions, an
     * operation that checks the cluster) does not hold up every other client (a health check,
     * {@code tinykv ctl}). More buys little: answers read in-memory state, mostly under the cluster's
     * lock, so they are CPU work that serialises anyway, and every HTTP thread busy is a core taken
     * from the gRPC event loops that serve TSO and heartbeats. Any number keeps a connection's answers
     * in order.
     */
    public static final int DEFAULT_THREADS = 2;

    public static final int DEFAULT_QUEUED_REQUESTS = 64;

    public static final HttpLimits DEFAULTS = new HttpLimits(
            Duration.ofSeconds(10),
            Duration.ofSeconds(60),
            16 * 1024,
            16 * 1024,
            64 * 1024,
            DEFAULT_THREADS,
            DEFAULT_QUEUED_REQUESTS);

    public HttpLimits {
        requirePositive("detectTimeout", detectTimeout);
        requirePositive("idleTimeout", idleTimeout);
        requirePositive("maxRequestLineBytes", maxRequestLineBytes);
        requirePositive("maxHeaderBytes", maxHeaderBytes);
        requirePositive("maxBodyBytes", maxBodyBytes);
        requirePositive("threads", threads);
        requirePositive("queuedRequests", queuedRequests);
    }

    private static void requirePositive(String name, Duration value) {
        if (value == null || value.isNegative() || value.isZero()) {
            throw new IllegalArgumentException("HTTP " + name + " must be positive (got " + value + ")");
        }
    }

    private static void requirePositive(String name, int value) {
        if (value <= 0) {
            throw new IllegalArgumentException("HTTP " + name + " must be positive (got " + value + ")");
        }
    }
}
