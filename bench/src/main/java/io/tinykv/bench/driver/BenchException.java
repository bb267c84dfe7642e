package io.tinykv.bench.driver;

/** A benchmark could not be carried out (as opposed to operations failing, which are counted). */
public class BenchException extends RuntimeException {

    public BenchException(String message) {
        super(message);
    }

    public BenchException(String message, Throwable cause) {
        super(message, cause);
    }
}
