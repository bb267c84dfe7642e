package io.tinykv.client;

/**
 * The store executed the request and reported an error for it (the response's {@code error} field or a
 * per-key error), e.g. a key or value over the size limit or an unknown column family. Not retried.
 */
public final class KeyValueException extends TinyKvException {
    public KeyValueException(String message) {
        super(message);
    }
}
