package io.tinykv.client;

/**
 * An operation kept meeting retryable trouble (no leader, stale region, busy or unreachable store)
 * until its backoff budget ran out. The message names the last trouble; trying again later may work.
 */
public final class RegionUnavailableException extends TinyKvException {
    public RegionUnavailableException(String message) {
        super(message);
    }

    public RegionUnavailableException(String message, Throwable cause) {
        super(message, cause);
    }
}
