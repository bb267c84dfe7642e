package io.tinykv.nemesis;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.net.SocketTimeoutException;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/** The proxy in front of an echo server standing in for store 2; callers are named by the test. */
class LinkProxyTest {
    private static final int READ_TIMEOUT_MILLIS = 10_000;
    private static final int STORE = 2;
    private static final int OTHER_STORE = 1;

    private ServerSocket echo;
    private LinkProxy proxy;
    private final AtomicInteger caller = new AtomicInteger(OTHER_STORE);
    private final AtomicBoolean cut = new AtomicBoolean();
    private final LinkCounters counters = new LinkCounters();

    @BeforeEach
    void start() throws IOException {
        echo = new ServerSocket(0, 8, InetAddress.getLoopbackAddress());
        Thread.ofVirtual().start(() -> {
            while (!echo.isClosed()) {
                try {
                    Socket s = echo.accept();
                    Thread.ofVirtual().start(() -> {
                        try (s) {
                            s.getInputStream().transferTo(s.getOutputStream());
                        } catch (IOException closed) {
                            // the test closed it
                        }
                    });
                } catch (IOException closed) {
                    return;
                }
            }
        });
        proxy = new LinkProxy(STORE, socket -> caller.get(), from -> from != LinkProxy.CLIENT && cut.get(), counters);
        proxy.target(new InetSocketAddress(InetAddress.getLoopbackAddress(), echo.getLocalPort()));
    }

    @AfterEach
    void stop() throws IOException {
        proxy.close();
        echo.close();
    }

    private Socket connect() throws IOException {
        Socket s = new Socket(InetAddress.getLoopbackAddress(), proxy.port());
        s.setSoTimeout(READ_TIMEOUT_MILLIS);
        return s;
    }

    /** Sends one byte and returns what comes back: the byte, or -1 when the proxy closed the connection. */
    private static int roundTrip(Socket s, int b) throws IOException {
        OutputStream out = s.getOutputStream();
        InputStream in = s.getInputStream();
        try {
            out.write(b);
            out.flush();
            return in.read();
        } catch (IOException reset) {
            return -1;
        }
    }

    @Test
    void passesTrafficUntilTheLinkIsCutThenSeversAndRefusesIt() throws Exception {
        try (Socket open = connect()) {
            assertThat(roundTrip(open, 7)).isEqualTo(7);

            cut.set(true);
            assertThat(proxy.severCut()).isEqualTo(1);
            assertThat(roundTrip(open, 8)).as("the open connection was closed").isEqualTo(-1);
        }
        try (Socket again = connect()) {
            assertThat(roundTrip(again, 9)).as("a new connection is refused").isEqualTo(-1);
        }
        assertThat(counters.blocked(OTHER_STORE, STORE)).isEqualTo(2);

        cut.set(false);
        try (Socket healed = connect()) {
            assertThat(roundTrip(healed, 10)).isEqualTo(10);
        }
    }

    @Test
    void clientsAreNeverCut() throws Exception {
        caller.set(LinkProxy.CLIENT);
        cut.set(true);
        try (Socket client = connect()) {
            assertThat(roundTrip(client, 5)).isEqualTo(5);
            assertThat(proxy.severCut()).isZero();
            assertThat(roundTrip(client, 6)).isEqualTo(6);
        }
        assertThat(counters.totalBlocked()).isZero();
    }

    @Test
    void aRefusedCallerSeesTheConnectionClosedNotAHang() throws Exception {
        cut.set(true);
        try (Socket refused = connect()) {
            try {
                assertThat(refused.getInputStream().read()).isEqualTo(-1);
            } catch (SocketTimeoutException e) {
                throw new AssertionError("the proxy left a refused connection open", e);
            } catch (IOException reset) {
                // closed with a reset: refused as well
            }
        }
        assertThat(counters.blocked(OTHER_STORE, STORE)).isEqualTo(1);
    }
}
