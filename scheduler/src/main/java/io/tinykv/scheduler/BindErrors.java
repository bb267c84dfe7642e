package io.tinykv.scheduler;

import java.io.IOException;
import java.net.BindException;

/**
 * Start-up failures to listen, in words that name the setting, the address and what to do — "Address
 * already in use" alone does not say which of a process's ports collided (DESIGN.md §2).
 */
public final class BindErrors {

    private BindErrors() {}

    /**
     * The message for a failure to listen on {@code address}, given as {@code setting}.
     *
     * @param advice what to do when the address is taken, e.g. "give each store its own --status-addr"
     */
    public static String message(String setting, Object address, Throwable cause, String advice) {
        if (isInUse(cause)) {
            return setting + " " + address + " is in use; " + advice;
        }
        return "cannot listen on " + setting + " " + address + ": " + describe(cause);
    }

    /** An exception carrying {@link #message}, with {@code cause} kept for the log. */
    public static IOException wrap(String setting, Object address, Throwable cause, String advice) {
        return new IOException(message(setting, address, cause, advice), cause);
    }

    /** Whether {@code e} (or a cause of it) says the address is taken. */
    public static boolean isInUse(Throwable e) {
        for (Throwable t = e; t != null; t = t.getCause()) {
            if (t instanceof BindException
                    || (t.getMessage() != null && t.getMessage().contains("Address already in use"))) {
                return true;
            }
        }
        return false;
    }

    private static String describe(Throwable cause) {
        Throwable root = cause;
        while (root.getCause() != null && root.getCause() != root) {
            root = root.getCause();
        }
        return root.getMessage() == null ? root.toString() : root.getMessage();
    }
}
