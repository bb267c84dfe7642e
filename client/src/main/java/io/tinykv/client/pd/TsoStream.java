package io.tinykv.client.pd;

import io.grpc.Status;
import io.grpc.StatusRuntimeException;
import io.grpc.stub.ClientCallStreamObserver;
import io.grpc.stub.StreamObserver;
import io.tinykv.proto.PDGrpc;
import io.tinykv.proto.Pdpb;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;

/**
 * One open {@code Tso} stream to one PD. Requests go out one at a time and the caller waits for the
 * answer, so answers cannot be matched to the wrong request. Once anything goes wrong the stream is
 * thrown away (answers still in flight land in this object's own queue, never in a new stream's).
 *
 * <p>Used under {@link PdClient}'s TSO lock only.
 */
final class TsoStream implements AutoCloseable {
    private final String address;
    private final StreamObserver<Pdpb.TsoRequest> requests;
    /** Holds {@link Pdpb.TsoResponse}s and, at the end, the {@link Throwable} that closed the stream. */
    private final BlockingQueue<Object> replies = new LinkedBlockingQueue<>();

    TsoStream(String address, PDGrpc.PDStub stub) {
        this.address = address;
        this.requests = stub.tso(new StreamObserver<>() {
            @Override
            public void onNext(Pdpb.TsoResponse response) {
                replies.add(response);
            }

            @Override
            public void onError(Throwable t) {
                replies.add(t);
            }

            @Override
            public void onCompleted() {
                replies.add(Status.UNAVAILABLE
                        .withDescription("PD closed the TSO stream")
                        .asRuntimeException());
            }
        });
    }

    String address() {
        return address;
    }

    /**
     * Sends one request and waits for its answer.
     *
     * @throws StatusRuntimeException when the stream failed or no answer came within the timeout
     * @throws InterruptedException   when the waiting thread is interrupted
     */
    Pdpb.TsoResponse request(Pdpb.TsoRequest request, long timeoutMs) throws InterruptedException {
        requests.onNext(request);
        Object reply = replies.poll(timeoutMs, TimeUnit.MILLISECONDS);
        if (reply == null) {
            throw Status.DEADLINE_EXCEEDED
                    .withDescription("no TSO answer within " + timeoutMs + " ms")
                    .asRuntimeException();
        }
        if (reply instanceof Pdpb.TsoResponse response) {
            return response;
        }
        throw Status.fromThrowable((Throwable) reply).asRuntimeException();
    }

    @Override
    public void close() {
        if (requests instanceof ClientCallStreamObserver<Pdpb.TsoRequest> call) {
            call.cancel("client closed the TSO stream", null);
        } else {
            requests.onCompleted();
        }
    }
}
