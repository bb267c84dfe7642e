package io.tinykv.nemesis;

import java.io.IOException;
import java.nio.file.DirectoryStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Optional;
import java.util.OptionalLong;

/**
 * Which local process opened the other end of a loopback TCP connection, read from Linux's
 * {@code /proc}: the connection's row in {@code /proc/net/tcp} (or {@code tcp6}) gives the socket's
 * inode, and the process holding {@code socket:[inode]} among its file descriptors owns it. This is
 * how a {@link LinkProxy} tells store 1's connection from store 2's although all of them come from
 * 127.0.0.1: it needs no change to the stores and no network namespaces.
 */
final class SocketOwner {
    private static final List<Path> TABLES = List.of(Path.of("/proc/net/tcp"), Path.of("/proc/net/tcp6"));
    /** Columns of a /proc/net/tcp row: sl, local_address, rem_address, st, ..., inode is the tenth. */
    private static final int LOCAL = 1;

    private static final int REMOTE = 2;
    private static final int INODE = 9;
    private static final int HEX = 16;

    private SocketOwner() {}

    /**
     * The inode of the socket whose local port is {@code localPort} and whose peer's port is
     * {@code remotePort} (the caller's side of a connection we accepted: its local port is our remote one).
     */
    static OptionalLong inode(int localPort, int remotePort) {
        for (Path table : TABLES) {
            List<String> rows;
            try {
                rows = Files.readAllLines(table);
            } catch (IOException e) {
                continue; // no IPv6 table on this machine
            }
            for (String row : rows.subList(Math.min(1, rows.size()), rows.size())) {
                String[] cols = row.trim().split("\\s+");
                if (cols.length > INODE && port(cols[LOCAL]) == localPort && port(cols[REMOTE]) == remotePort) {
                    long inode = Long.parseLong(cols[INODE]);
                    if (inode != 0) {
                        return OptionalLong.of(inode);
                    }
                }
            }
        }
        return OptionalLong.empty();
    }

    private static int port(String hexAddress) {
        return Integer.parseInt(hexAddress.substring(hexAddress.lastIndexOf(':') + 1), HEX);
    }

    /** Whether process {@code pid} holds the socket {@code inode} open. */
    static boolean holds(long pid, long inode) {
        String wanted = "socket:[" + inode + "]";
        try (DirectoryStream<Path> fds = Files.newDirectoryStream(Path.of("/proc", Long.toString(pid), "fd"))) {
            for (Path fd : fds) {
                try {
                    if (Files.readSymbolicLink(fd).toString().equals(wanted)) {
                        return true;
                    }
                } catch (IOException closedMeanwhile) {
                    // The descriptor went away while we looked: not the one we want.
                }
            }
        } catch (IOException gone) {
            return false;
        }
        return false;
    }

    /** Among {@code candidates} (pids), the one holding the caller's end of the connection, if any. */
    static Optional<Long> ownerOf(int callerPort, int proxyPort, List<Long> candidates) {
        OptionalLong inode = inode(callerPort, proxyPort);
        if (inode.isEmpty()) {
            return Optional.empty();
        }
        return candidates.stream().filter(pid -> holds(pid, inode.getAsLong())).findFirst();
    }
}
