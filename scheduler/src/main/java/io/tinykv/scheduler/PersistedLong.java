package io.tinykv.scheduler;

import java.util.OptionalLong;

/**
 * One durable 64-bit number: a high-water mark (the end of the reserved id range, the TSO limit).
 * When {@link #write} returns, the new value survives a crash.
 */
public interface PersistedLong {

    /**
     * The stored number, or empty when none was written yet.
     *
     * @throws IllegalStateException when the stored value is corrupt
     */
    OptionalLong read();

    /** Durably replaces the stored number. */
    void write(long value);
}
