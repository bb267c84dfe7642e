package io.tinykv.nemesis;

import io.tinykv.server.playground.PlaygroundLayout;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.util.ArrayList;
import java.util.List;

/** Free loopback ports for a cluster laid out by {@link PlaygroundLayout}. */
final class Ports {
    static final String LOOPBACK = "127.0.0.1";
    private static final int SEARCH_ATTEMPTS = 100;
    private static final int MAX_PORT = 65_535;

    private Ports() {
    }

    /** A free scheduler port and a free base port with room for {@code stores} stores and their status ports. */
    static int[] pdAndStoreBase(int stores) {
        int pd = free();
        for (int attempt = 0; attempt < SEARCH_ATTEMPTS; attempt++) {
            int base = free();
            List<Integer> wanted = new ArrayList<>();
            for (int i = 0; i < stores; i++) {
                wanted.add(base + i);
                wanted.add(base + i + PlaygroundLayout.STATUS_PORT_OFFSET);
            }
            if (!wanted.contains(pd) && wanted.stream().allMatch(Ports::isFree)) {
                return new int[] {pd, base};
            }
        }
        throw new IllegalStateException("no free block of loopback ports after " + SEARCH_ATTEMPTS + " attempts");
    }

    private static int free() {
        try (ServerSocket socket = new ServerSocket(0, 1, InetAddress.getByName(LOOPBACK))) {
            return socket.getLocalPort();
        } catch (IOException e) {
            throw new UncheckedIOException("no free loopback port", e);
        }
    }

    private static boolean isFree(int port) {
        if (port > MAX_PORT) {
            return false;
        }
        try (ServerSocket socket = new ServerSocket()) {
            socket.bind(new InetSocketAddress(InetAddress.getByName(LOOPBACK), port));
            return true;
        } catch (IOException e) {
            return false;
        }
    }
}
