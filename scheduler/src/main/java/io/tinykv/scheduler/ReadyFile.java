package io.tinykv.scheduler;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Optional;

/**
 * The addresses a process listens on, written to a file ({@code --ready-file}) once it serves, so a
 * launcher that started it on port 0 learns the ports the kernel gave it. Binding port 0 is the only
 * race-free way to get a free port: a port picked by the launcher and bound later by the child can be
 * taken by any other process in between. One {@code key=value} line per address; the file appears
 * complete or not at all (written aside, then renamed).
 */
public final class ReadyFile {
    /** The gRPC address ({@code host:port}) the process is bound to. */
    public static final String ADDR = "addr";
    /** The HTTP status address ({@code host:port}), absent when the status endpoint is off. */
    public static final String STATUS_ADDR = "status-addr";
    /** A store's store-to-store address ({@code host:port}), absent when it shares {@link #ADDR}. */
    public static final String PEER_ADDR = "peer-addr";

    private ReadyFile() {}

    /**
     * The addresses of a server bound to {@code addr} whose status endpoint was configured as
     * {@code statusAddr} (empty or negative {@code statusPort}: off) and bound to {@code statusPort}.
     */
    public static Map<String, String> addresses(HostAndPort addr, String statusAddr, int statusPort) {
        Map<String, String> addresses = new LinkedHashMap<>();
        addresses.put(ADDR, addr.toString());
        if (statusAddr != null && !statusAddr.isBlank() && statusPort >= 0) {
            addresses.put(
                    STATUS_ADDR,
                    HostAndPort.parse(statusAddr).withPort(statusPort).toString());
        }
        return addresses;
    }

    /** Like {@link #addresses(HostAndPort, String, int)}, with the peer address when there is one. */
    public static Map<String, String> addresses(
            HostAndPort addr, HostAndPort peerAddr, String statusAddr, int statusPort) {
        Map<String, String> addresses = addresses(addr, statusAddr, statusPort);
        if (peerAddr != null) {
            addresses.put(PEER_ADDR, peerAddr.toString());
        }
        return addresses;
    }

    public static void write(Path file, Map<String, String> addresses) throws IOException {
        StringBuilder text = new StringBuilder();
        addresses.forEach(
                (key, value) -> text.append(key).append('=').append(value).append('\n'));
        Path aside = file.resolveSibling(file.getFileName() + ".tmp");
        Files.writeString(aside, text, StandardCharsets.UTF_8);
        Files.move(aside, file, StandardCopyOption.ATOMIC_MOVE, StandardCopyOption.REPLACE_EXISTING);
    }

    /** The addresses in the file, or empty while it does not exist yet. */
    public static Optional<Map<String, String>> read(Path file) throws IOException {
        try {
            Map<String, String> addresses = new LinkedHashMap<>();
            for (String line : Files.readAllLines(file, StandardCharsets.UTF_8)) {
                int eq = line.indexOf('=');
                if (eq > 0) {
                    addresses.put(line.substring(0, eq), line.substring(eq + 1));
                }
            }
            return Optional.of(addresses);
        } catch (NoSuchFileException notYet) {
            return Optional.empty();
        }
    }
}
