package io.tinykv.nemesis;

import static org.assertj.core.api.Assertions.assertThat;

import java.net.InetAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.util.List;
import org.junit.jupiter.api.Test;

class SocketOwnerTest {
    private static final long NO_SUCH_PID = Long.MAX_VALUE;

    @Test
    void theProcessThatOpenedALoopbackConnectionIsFoundThroughProc() throws Exception {
        try (ServerSocket server = new ServerSocket(0, 1, InetAddress.getLoopbackAddress());
                Socket caller = new Socket(InetAddress.getLoopbackAddress(), server.getLocalPort());
                Socket accepted = server.accept()) {
            long self = ProcessHandle.current().pid();
            assertThat(SocketOwner.ownerOf(accepted.getPort(), server.getLocalPort(), List.of(NO_SUCH_PID, self)))
                    .contains(self);
            assertThat(SocketOwner.ownerOf(accepted.getPort(), server.getLocalPort(), List.of(NO_SUCH_PID)))
                    .as("no candidate holds it")
                    .isEmpty();
            assertThat(caller.getLocalPort()).isEqualTo(accepted.getPort());
        }
    }
}
