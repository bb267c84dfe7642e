package io.tinykv.raftstore.transport.grpc;

/**
 * Settings of {@link GrpcTransport}, validated at construction.
 *
 * @param queueCapacityMessages messages queued per destination store; more are dropped (reported
 *     unreachable) instead of blocking the Raft thread
 * @param maxBatchBytes a flush packs queued messages into BatchRaftMessages of about this many bytes
 *     (a single larger message goes alone); the receiving server must accept
 *     {@link PeerService#MAX_INBOUND_MESSAGE_BYTES}
 * @param snapshotChunkBytes bytes of snapshot data per SnapshotChunk
 * @param initialBackoffMs wait after a stream to a store failed before connecting again
 * @param maxBackoffMs the wait doubles after each consecutive failure up to this
 * @param snapshotTimeoutMs deadline of one snapshot transfer; past it the snapshot is reported failed
 */
public record GrpcTransportConfig(
        int queueCapacityMessages,
        long maxBatchBytes,
        int snapshotChunkBytes,
        long initialBackoffMs,
        long maxBackoffMs,
        long snapshotTimeoutMs) {

    static final int DEFAULT_QUEUE_CAPACITY_MESSAGES = 4096;
    static final long DEFAULT_MAX_BATCH_BYTES = 1024L * 1024;
    /** 1 MiB: well under gRPC's default 4 MiB message limit. */
    static final int DEFAULT_SNAPSHOT_CHUNK_BYTES = 1024 * 1024;

    static final long DEFAULT_INITIAL_BACKOFF_MS = 100;
    static final long DEFAULT_MAX_BACKOFF_MS = 5_000;
    static final long DEFAULT_SNAPSHOT_TIMEOUT_MS = 5 * 60_000;

    public GrpcTransportConfig {
        if (queueCapacityMessages <= 0) {
            throw new IllegalArgumentException("queueCapacityMessages must be > 0, got " + queueCapacityMessages);
        }
        if (maxBatchBytes <= 0) {
            throw new IllegalArgumentException("maxBatchBytes must be > 0, got " + maxBatchBytes);
        }
        if (snapshotChunkBytes <= 0) {
            throw new IllegalArgumentException("snapshotChunkBytes must be > 0, got " + snapshotChunkBytes);
        }
        if (initialBackoffMs <= 0) {
            throw new IllegalArgumentException("initialBackoffMs must be > 0, got " + initialBackoffMs);
        }
        if (maxBackoffMs < initialBackoffMs) {
            throw new IllegalArgumentException(
                    "maxBackoffMs (" + maxBackoffMs + ") must be >= initialBackoffMs (" + initialBackoffMs + ")");
        }
        if (snapshotTimeoutMs <= 0) {
            throw new IllegalArgumentException("snapshotTimeoutMs must be > 0, got " + snapshotTimeoutMs);
        }
    }

    public static GrpcTransportConfig defaults() {
        return new GrpcTransportConfig(
                DEFAULT_QUEUE_CAPACITY_MESSAGES,
                DEFAULT_MAX_BATCH_BYTES,
                DEFAULT_SNAPSHOT_CHUNK_BYTES,
                DEFAULT_INITIAL_BACKOFF_MS,
                DEFAULT_MAX_BACKOFF_MS,
                DEFAULT_SNAPSHOT_TIMEOUT_MS);
    }

    GrpcTransportConfig withSnapshotChunkBytes(int value) {
        return new GrpcTransportConfig(
                queueCapacityMessages, maxBatchBytes, value, initialBackoffMs, maxBackoffMs, snapshotTimeoutMs);
    }

    GrpcTransportConfig withQueueCapacityMessages(int value) {
        return new GrpcTransportConfig(
                value, maxBatchBytes, snapshotChunkBytes, initialBackoffMs, maxBackoffMs, snapshotTimeoutMs);
    }
}
