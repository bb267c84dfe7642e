package io.tinykv.nemesis;

import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.io.UncheckedIOException;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.function.IntPredicate;
import java.util.function.ToIntFunction;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * A TCP proxy in front of one store: the store advertises the proxy's address to the scheduler, so
 * clients and the other stores (which find each other through the scheduler) all connect here. For
 * each accepted connection the proxy learns which process opened it ({@link SocketOwner}); a
 * connection from a store whose link to this store is cut is refused, and cutting a link closes the
 * connections already open on it. Connections from anyone else (the test's clients) always pass.
 */
final class LinkProxy implements AutoCloseable {
    private static final Logger LOG = LoggerFactory.getLogger(LinkProxy.class);
    /** Who opened a connection: a store number (1-based), {@link #CLIENT}, or {@link #UNKNOWN}. */
    static final int CLIENT = 0;

    static final int UNKNOWN = -1;
    private static final int BUFFER_BYTES = 64 * 1024;

    private final int store;
    /** The store's real address; null until the store reported the port it bound. */
    private volatile InetSocketAddress target;

    private final ServerSocket server;
    private final ToIntFunction<Socket> identify;
    private final IntPredicate cutFrom;
    private final LinkCounters counters;
    private final Set<Piped> open = ConcurrentHashMap.newKeySet();
    private final Thread acceptor;
    private volatile boolean closed;

    /** One proxied connection: the caller's socket and ours to the store. */
    private record Piped(int caller, Socket in, Socket out) {
        void close() {
            closeQuietly(in);
            closeQuietly(out);
        }
    }

    /**
     * @param store    the store behind this proxy (1-based); its real address comes later ({@link #target})
     * @param identify who opened an accepted connection (a store number, CLIENT or UNKNOWN)
     * @param cutFrom  whether traffic from that caller to this store is cut now (UNKNOWN included)
     */
    LinkProxy(int store, ToIntFunction<Socket> identify, IntPredicate cutFrom, LinkCounters counters) {
        this.store = store;
        this.identify = identify;
        this.cutFrom = cutFrom;
        this.counters = counters;
        try {
            this.server = new ServerSocket(0, 64, InetAddress.getLoopbackAddress());
        } catch (IOException e) {
            throw new UncheckedIOException("no loopback port for the proxy of store " + store, e);
        }
        this.acceptor = Thread.ofVirtual().name("proxy-store" + store).start(this::acceptLoop);
    }

    /** Where accepted connections go from now on: the store's real address. */
    void target(InetSocketAddress address) {
        this.target = address;
    }

    String address() {
        return server.getInetAddress().getHostAddress() + ":" + server.getLocalPort();
    }

    int port() {
        return server.getLocalPort();
    }

    /** Closes every open connection whose caller is now cut from this store; returns how many. */
    int severCut() {
        int severed = 0;
        for (Piped p : open) {
            if (p.caller() != CLIENT && cutFrom.test(p.caller())) {
                p.close();
                open.remove(p);
                counters.severed(p.caller(), store);
                severed++;
            }
        }
        return severed;
    }

    private void acceptLoop() {
        while (!closed) {
            Socket in;
            try {
                in = server.accept();
            } catch (IOException e) {
                if (!closed) {
                    LOG.warn("proxy of store {} stopped accepting: {}", store, e.toString());
                }
                return;
            }
            Thread.ofVirtual().name("proxy-store" + store + "-conn").start(() -> serve(in));
        }
    }

    private void serve(Socket in) {
        int caller = identify.applyAsInt(in);
        if (caller != CLIENT && cutFrom.test(caller)) {
            counters.refused(caller, store);
            closeQuietly(in);
            return;
        }
        InetSocketAddress to = target;
        if (to == null) {
            closeQuietly(in); // the store has not bound its port yet: as if it were not up
            return;
        }
        Socket out = new Socket();
        try {
            in.setTcpNoDelay(true);
            out.setTcpNoDelay(true);
            out.connect(to);
        } catch (IOException storeDown) {
            closeQuietly(in); // the store is down (killed): the caller sees what it would without us
            closeQuietly(out);
            return;
        }
        Piped piped = new Piped(caller, in, out);
        open.add(piped);
        // The cut may have come between the check above and now: look again once registered.
        if (caller != CLIENT && cutFrom.test(caller)) {
            open.remove(piped);
            piped.close();
            counters.refused(caller, store);
            return;
        }
        Thread.ofVirtual().name("proxy-store" + store + "-up").start(() -> pump(piped, in, out));
        pump(piped, out, in);
    }

    private void pump(Piped piped, Socket from, Socket to) {
        byte[] buffer = new byte[BUFFER_BYTES];
        try {
            InputStream input = from.getInputStream();
            OutputStream output = to.getOutputStream();
            int n;
            while ((n = input.read(buffer)) >= 0) {
                output.write(buffer, 0, n);
            }
        } catch (IOException e) {
            // Either side closed or the link was cut: close both below.
        } finally {
            open.remove(piped);
            piped.close();
        }
    }

    private static void closeQuietly(Socket socket) {
        try {
            socket.close();
        } catch (IOException ignored) {
            // Closing is all we wanted.
        }
    }

    @Override
    public void close() {
        closed = true;
        try {
            server.close();
        } catch (IOException ignored) {
            // Closing is all we wanted.
        }
        open.forEach(Piped::close);
        open.clear();
        acceptor.interrupt();
    }
}
