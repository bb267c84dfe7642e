package io.tinykv.testkit.net;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.Socket;

/**
 * A loopback port where nothing listens, held for as long as the test needs it: a TCP socket bound to
 * port 0 but never listening, so connecting to it is refused, and no other process on the machine can
 * bind the port meanwhile. (A port found free and released could be taken by anyone before the test
 * connects to it, and then answered by a stranger.)
 */
public final class RefusedPort implements AutoCloseable {
    private final Socket holder;

    public RefusedPort() {
        holder = new Socket();
        try {
            holder.bind(new InetSocketAddress(InetAddress.getLoopbackAddress(), 0));
        } catch (IOException e) {
            try {
                holder.close();
            } catch (IOException ignored) {
                // Nothing was bound.
            }
            throw new UncheckedIOException("no loopback port to hold", e);
        }
    }

    public int port() {
        return holder.getLocalPort();
    }

    /** {@code host:port} on the loopback address. */
    public String address() {
        return InetAddress.getLoopbackAddress().getHostAddress() + ":" + port();
    }

    /** Releases the port (for a server about to bind it, or at the end of the test). */
    @Override
    public void close() {
        try {
            holder.close();
        } catch (IOException ignored) {
            // Closing is all we wanted.
        }
    }
}
