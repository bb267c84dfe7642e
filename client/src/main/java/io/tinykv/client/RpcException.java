package io.tinykv.client;

/**
 * A call to a store failed with a gRPC status the client does not retry (e.g. deadline exceeded,
 * unimplemented, internal), or the store's answer broke the protocol (e.g. a key outside the range).
 */
public final class RpcException extends TinyKvException {
    public RpcException(String message) {
        super(message);
    }

    public RpcException(String message, Throwable cause) {
        super(message, cause);
    }
}
