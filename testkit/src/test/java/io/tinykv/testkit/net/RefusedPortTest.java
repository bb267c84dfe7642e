package io.tinykv.testkit.net;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.net.BindException;
import java.net.ConnectException;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.net.Socket;
import org.junit.jupiter.api.Test;

class RefusedPortTest {

    @Test
    void connectingIsRefusedAndNoServerCanBindThePortWhileItIsHeld() throws Exception {
        try (RefusedPort port = new RefusedPort()) {
            assertThat(port.port()).isPositive();
            assertThatThrownBy(() -> {
                        try (Socket s = new Socket()) {
                            s.connect(new InetSocketAddress(InetAddress.getLoopbackAddress(), port.port()));
                        }
                    })
                    .isInstanceOf(ConnectException.class);
            // A server socket asks for SO_REUSEADDR (Java's default on Linux, and Netty's): still refused.
            assertThatThrownBy(() -> {
                        try (ServerSocket s = new ServerSocket()) {
                            s.setReuseAddress(true);
                            s.bind(new InetSocketAddress(InetAddress.getLoopbackAddress(), port.port()));
                        }
                    })
                    .isInstanceOf(BindException.class);
        }
    }
}
