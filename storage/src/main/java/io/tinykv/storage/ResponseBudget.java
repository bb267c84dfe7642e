package io.tinykv.storage;

/**
 * The bytes of keys and values one read response may still carry. A reader charges every pair
 * before it adds it, so a response that would outgrow the budget is refused while it is built —
 * the memory a request can pin stays near the budget, however many keys or how large a scan it
 * asks for. One per request; not thread-safe.
 */
public final class ResponseBudget {

    private final long maxBytes;
    private final String settingName;
    private long usedBytes;

    /**
     * @param maxBytes the most bytes the response may carry
     * @param settingName the configuration setting that sets it, named in the error
     */
    public ResponseBudget(long maxBytes, String settingName) {
        if (maxBytes <= 0) {
            throw new IllegalArgumentException("maxBytes must be > 0, got " + maxBytes);
        }
        this.maxBytes = maxBytes;
        this.settingName = settingName;
    }

    /** No bound (callers that predate budgets, tests). */
    public static ResponseBudget unlimited() {
        return new ResponseBudget(Long.MAX_VALUE, "none");
    }

    /**
     * Counts {@code bytes} more.
     *
     * @throws ResponseTooLargeException when the response would carry more than the budget
     */
    public void charge(long bytes) {
        usedBytes = bytes > maxBytes - usedBytes ? maxBytes + 1 : usedBytes + bytes;
        if (usedBytes > maxBytes) {
            throw new ResponseTooLargeException("the response would be larger than " + settingName + " (" + maxBytes
                    + " bytes); ask for fewer keys or a smaller scan limit");
        }
    }

    /** A pair of a response: its key and its value (null or absent: a key only). */
    public void chargePair(byte[] key, byte[] value) {
        charge((long) key.length + (value == null ? 0 : value.length));
    }

    public long usedBytes() {
        return usedBytes;
    }

    /** A read whose answer would be larger than its {@link ResponseBudget}. */
    public static final class ResponseTooLargeException extends RuntimeException {
        public ResponseTooLargeException(String message) {
            super(message);
        }
    }
}
