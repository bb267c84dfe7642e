package io.tinykv.client;

/** PD (the scheduler) could not be reached within the budget, or it answered with an error. */
public final class PdException extends TinyKvException {
  public PdException(String message) {
    super(message);
  }

  public PdException(String message, Throwable cause) {
    super(message, cause);
  }
}
