package io.tinykv.scheduler;

import java.net.InetSocketAddress;

/** A network address written {@code HOST:PORT}; port 0 asks the system for a free port. */
public record HostAndPort(String host, int port) {

    private static final int MAX_PORT = 65_535;

    public HostAndPort {
        if (host == null || host.isBlank()) {
            throw new IllegalArgumentException("expected HOST:PORT, the host is empty");
        }
        if (port < 0 || port > MAX_PORT) {
            throw new IllegalArgumentException("port must be in 0.." + MAX_PORT + " (got " + port + ")");
        }
    }

    /**
     * Parses {@code HOST:PORT}; an IPv6 host is written in brackets ({@code [::1]:2379}).
     *
     * @throws IllegalArgumentException saying what is wrong with {@code text}
     */
    public static HostAndPort parse(String text) {
        if (text == null) {
            throw new IllegalArgumentException("expected HOST:PORT (got nothing)");
        }
        int colon = text.lastIndexOf(':');
        if (colon <= 0 || colon == text.length() - 1) {
            throw new IllegalArgumentException("expected HOST:PORT (got '" + text + "')");
        }
        String host = text.substring(0, colon);
        if (host.startsWith("[") && host.endsWith("]")) {
            host = host.substring(1, host.length() - 1);
        }
        int port;
        try {
            port = Integer.parseInt(text.substring(colon + 1));
        } catch (NumberFormatException e) {
            throw new IllegalArgumentException("expected HOST:PORT with a numeric port (got '" + text + "')");
        }
        return new HostAndPort(host, port);
    }

    public InetSocketAddress toSocketAddress() {
        return new InetSocketAddress(host, port);
    }

    public HostAndPort withPort(int newPort) {
        return new HostAndPort(host, newPort);
    }

    public boolean isWildcard() {
        return host.equals("0.0.0.0") || host.equals("::");
    }

    @Override
    public String toString() {
        return host.contains(":") ? "[" + host + "]:" + port : host + ":" + port;
    }
}
