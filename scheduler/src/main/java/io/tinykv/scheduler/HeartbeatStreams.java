package io.tinykv.scheduler;

import io.grpc.stub.StreamObserver;
import io.tinykv.proto.Pdpb;
import java.util.Map;
import java.util.Objects;
import java.util.concurrent.ConcurrentHashMap;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The open region-heartbeat streams, by the store whose heartbeats come on them: a store's stream
 * is the one its latest region heartbeat arrived on, forgotten when that stream ends. Responses to
 * heartbeats and operator steps pushed by the {@link Coordinator} share a stream, so each stream's
 * writes go through one lock ({@link Stream#send}): a gRPC stream observer is not thread-safe.
 * Thread-safe.
 */
final class HeartbeatStreams implements OperatorDispatch {

    private static final Logger LOG = LoggerFactory.getLogger(HeartbeatStreams.class);

    /** One region-heartbeat stream's response side. */
    static final class Stream {
        private final StreamObserver<Pdpb.RegionHeartbeatResponse> out;
        private boolean ended; // guarded by this

        Stream(StreamObserver<Pdpb.RegionHeartbeatResponse> out) {
            this.out = Objects.requireNonNull(out, "out");
        }

        /** Writes {@code response}; false once the stream ended or when the write failed. */
        synchronized boolean send(Pdpb.RegionHeartbeatResponse response) {
            if (ended) {
                return false;
            }
            try {
                out.onNext(response);
                return true;
            } catch (RuntimeException e) {
                // The call was cancelled under us (the store went away); its next stream takes over.
                LOG.debug("a region heartbeat stream refused a response: {}", e.toString());
                ended = true;
                return false;
            }
        }

        synchronized void error(Throwable t) {
            if (!ended) {
                ended = true;
                out.onError(t);
            }
        }

        synchronized void complete() {
            if (!ended) {
                ended = true;
                out.onCompleted();
            }
        }

        /** The peer side ended the stream: nothing more may be written. */
        synchronized void ended() {
            ended = true;
        }
    }

    private final Map<Long, Stream> byStore = new ConcurrentHashMap<>();

    /** A region heartbeat of {@code storeId}'s leader arrived on {@code stream}. */
    void heardFrom(long storeId, Stream stream) {
        byStore.put(storeId, stream);
    }

    /** {@code stream} is ending: the stores that used it have none until their next heartbeat. */
    void forget(Stream stream) {
        byStore.values().removeIf(s -> s == stream);
    }

    @Override
    public boolean push(long storeId, Pdpb.RegionHeartbeatResponse response) {
        Stream stream = byStore.get(storeId);
        if (stream == null) {
            return false;
        }
        if (!stream.send(response)) {
            byStore.remove(storeId, stream);
            return false;
        }
        return true;
    }

    /** How many stores have an open stream (the status page, tests). */
    int openStreams() {
        return byStore.size();
    }
}
