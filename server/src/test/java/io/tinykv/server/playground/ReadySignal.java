package io.tinykv.server.playground;

import java.io.IOException;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.time.Duration;

/** A loopback port a child connects to once it is ready; the test blocks in accept with a deadline. */
final class ReadySignal implements AutoCloseable {
    private final ServerSocket socket;

    ReadySignal() throws IOException {
        socket = new ServerSocket(0, 1, InetAddress.getLoopbackAddress());
    }

    int port() {
        return socket.getLocalPort();
    }

    /** Waits until a child connects; fails (SocketTimeoutException) after {@code timeout}. */
    void await(Duration timeout) throws IOException {
        socket.setSoTimeout((int) timeout.toMillis());
        try (Socket child = socket.accept()) {
            child.getInputStream().read();
        }
    }

    @Override
    public void close() throws IOException {
        socket.close();
    }
}
