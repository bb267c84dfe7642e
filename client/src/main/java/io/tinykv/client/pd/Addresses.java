package io.tinykv.client.pd;

import java.util.Objects;

/** Turns the URLs PD advertises ({@code http://host:port}) into gRPC targets ({@code host:port}). */
public final class Addresses {
    private static final String[] SCHEMES = {"http://", "https://"};

    private Addresses() {}

    /** Drops a leading {@code http://} or {@code https://} and a trailing slash. */
    public static String stripScheme(String url) {
        Objects.requireNonNull(url, "address");
        String address = url.strip();
        for (String scheme : SCHEMES) {
            if (address.regionMatches(true, 0, scheme, 0, scheme.length())) {
                address = address.substring(scheme.length());
                break;
            }
        }
        while (address.endsWith("/")) {
            address = address.substring(0, address.length() - 1);
        }
        return address;
    }
}
