package io.tinykv.server;

import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.util.Properties;
import picocli.CommandLine;

/**
 * Our own version (from the build) and the TiKV version we report to clients: TiKV clients gate
 * features on the store version, so we claim the TiKV release whose client protocol we follow.
 */
public final class TinykvVersion implements CommandLine.IVersionProvider {

    /** The TiKV release whose client-facing protocol we speak. */
    public static final String TIKV_COMPATIBLE_VERSION = "6.5.0";

    public static String ownVersion() {
        try (InputStream in = TinykvVersion.class.getResourceAsStream("version.properties")) {
            if (in == null) {
                return "unknown";
            }
            Properties p = new Properties();
            p.load(in);
            return p.getProperty("version", "unknown");
        } catch (IOException e) {
            throw new UncheckedIOException("cannot read version.properties", e);
        }
    }

    @Override
    public String[] getVersion() {
        return new String[] {
            "tinykv " + ownVersion() + " (TiKV-compatible API " + TIKV_COMPATIBLE_VERSION + ")",
            "Java " + Runtime.version()
        };
    }
}
