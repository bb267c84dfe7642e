package io.tinykv.client;

import com.google.protobuf.ByteString;

/**
 * Prewrite found that another transaction committed one of our keys after we started (first
 * committer wins). The transaction was rolled back; running it again from {@code begin()} reads the
 * newer data and may succeed.
 */
public final class WriteConflictException extends TxnAbortedException {
  private final ByteString key;
  private final long conflictCommitTs;

  WriteConflictException(long startTs, ByteString key, long conflictCommitTs, String message) {
    super(startTs, message);
    this.key = key;
    this.conflictCommitTs = conflictCommitTs;
  }

  /** The key written by the other transaction. */
  public ByteString key() {
    return key;
  }

  /** When the other transaction committed it. */
  public long conflictCommitTs() {
    return conflictCommitTs;
  }
}
