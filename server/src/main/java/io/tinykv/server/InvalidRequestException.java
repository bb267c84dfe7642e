package io.tinykv.server;

/** A request that breaks a limit or makes no sense; the message tells the client which and why. */
public final class InvalidRequestException extends RuntimeException {

    public InvalidRequestException(String message) {
        super(message);
    }
}
