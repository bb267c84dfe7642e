package io.tinykv.scheduler.http;

import java.util.Map;

/**
 * One answer of the PD HTTP API, independent of the transport that carries it.
 *
 * @param status the HTTP status code
 * @param body what is written as JSON: a view record, a list, a map or a string
 * @param headers extra response headers (e.g. {@code Allow} on a 405)
 */
public record ApiResponse(int status, Object body, Map<String, String> headers) {

    public static final int OK = 200;
    public static final int BAD_REQUEST = 400;
    public static final int NOT_FOUND = 404;
    public static final int METHOD_NOT_ALLOWED = 405;
    public static final int INTERNAL_ERROR = 500;
    public static final int UNAVAILABLE = 503;

    public ApiResponse {
        headers = Map.copyOf(headers);
    }

    public static ApiResponse ok(Object body) {
        return new ApiResponse(OK, body, Map.of());
    }

    /** An error answer: {@code {"error": message}}. */
    public static ApiResponse error(int status, String message) {
        return new ApiResponse(status, Map.of("error", message), Map.of());
    }
}
