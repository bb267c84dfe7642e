package io.tinykv.compat;

import io.tinykv.server.playground.PlaygroundLayout;
import java.io.IOException;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.random.RandomGenerator;

/**
 * Ports for the one thing that must be told its ports before it starts: {@code tinykv playground}
 * (its {@code --pd-port} and {@code --base-port} are the product's contract). Every other test child
 * binds port 0 ({@link ReadyFiles}). The ports are chosen below the kernel's ephemeral range
 * ({@code ip_local_port_range}), which is where every bind to port 0 and every outgoing connection
 * on the machine takes its port: there, only another process choosing fixed ports can take one
 * between the check here and the playground's bind.
 */
final class FixedPorts {
    private static final Path EPHEMERAL_RANGE = Path.of("/proc/sys/net/ipv4/ip_local_port_range");
    /** Linux's default ephemeral range starts here; used where /proc does not say. */
    private static final int DEFAULT_EPHEMERAL_LOW = 32_768;
    /** Above the well-known and most registered service ports. */
    private static final int LOWEST = 10_000;

    private static final int SEARCH_ATTEMPTS = 200;

    private FixedPorts() {}

    /** A scheduler port and a store base port with room for {@code stores} stores and their status ports. */
    static int[] pdAndStoreBase(int stores, RandomGenerator random) {
        int highest = ephemeralLow() - PlaygroundLayout.STATUS_PORT_OFFSET - stores - 1;
        if (highest <= LOWEST) {
            throw new IllegalStateException(
                    "no room below the ephemeral port range (starts at " + ephemeralLow() + ")");
        }
        for (int attempt = 0; attempt < SEARCH_ATTEMPTS; attempt++) {
            int pd = random.nextInt(LOWEST, highest);
            int base = random.nextInt(LOWEST, highest);
            List<Integer> wanted = new ArrayList<>(List.of(pd));
            for (int i = 0; i < stores; i++) {
                wanted.add(base + i);
                wanted.add(base + i + PlaygroundLayout.STATUS_PORT_OFFSET);
            }
            if (wanted.stream().distinct().count() == wanted.size()
                    && wanted.stream().allMatch(FixedPorts::isFree)) {
                return new int[] {pd, base};
            }
        }
        throw new IllegalStateException(
                "no free loopback ports below " + ephemeralLow() + " after " + SEARCH_ATTEMPTS + " attempts");
    }

    private static int ephemeralLow() {
        try {
            // readAllLines, not readString: /proc files report size 0, and readString trusts the size.
            return Integer.parseInt(
                    Files.readAllLines(EPHEMERAL_RANGE).getFirst().trim().split("\\s+")[0]);
        } catch (IOException | RuntimeException e) {
            return DEFAULT_EPHEMERAL_LOW;
        }
    }

    private static boolean isFree(int port) {
        try (ServerSocket socket = new ServerSocket()) {
            socket.bind(new InetSocketAddress(InetAddress.getByName(LocalCluster.LOOPBACK), port));
            return true;
        } catch (IOException e) {
            return false;
        }
    }
}
