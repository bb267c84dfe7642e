package io.tinykv.storage;

/**
 * What happens when a durability path fails (DESIGN.md §6, fail-stop): a failed write or sync of
 * the engines, the snapshot files or the scheduler's metadata, or an exception escaping a worker
 * thread. After such a failure the process must not go on: RocksDB may have dropped the unsynced
 * data, the page cache may have marked it clean, and a retry that then succeeds would be trusted.
 *
 * <p>Production uses {@link #RUNTIME}: one log line naming the path and the error, then
 * {@link Runtime#halt} (no shutdown hooks: closing the engines would sync again and could hide the
 * failure). Tests pass a recorder instead, which returns; callers therefore always
 * {@code throw halter.halt(...)}, so that nothing after the failure runs even when the process
 * survives.
 */
@FunctionalInterface
public interface ProcessHalter {

    /** The exit status of a process halted by {@link #RUNTIME} (1 to 4 are start-up failures). */
    int EXIT_STATUS = 5;

    /** Logs one line and halts the JVM; never returns. */
    ProcessHalter RUNTIME = new RuntimeHalter(EXIT_STATUS);

    /**
     * Stops the process because {@code path} failed with {@code cause}.
     *
     * @param path what was being made durable, for the log line ("log GC of region 7: kv WAL sync")
     * @return (only when the halter is a test's recorder) the exception the caller throws next
     */
    HaltedException halt(String path, Throwable cause);

    /** Thrown by the caller of a halter that returned (tests): the path failed and stopped here. */
    final class HaltedException extends RuntimeException {

        public HaltedException(String path, Throwable cause) {
            super("fail-stop: " + path + " failed: " + cause, cause);
        }
    }
}
