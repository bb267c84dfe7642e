package io.tinykv.security;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.GeneralSecurityException;
import java.security.KeyStore;
import java.util.List;
import java.util.function.LongSupplier;
import javax.net.ssl.TrustManager;
import javax.net.ssl.TrustManagerFactory;
import javax.net.ssl.X509ExtendedTrustManager;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Holds the certificates and key last read from the {@code [security]} files and reads them again
 * when they change, so that rotated certificates are used without a restart (as TiKV does). The
 * files are looked at (modification time and size) during a handshake at most once per
 * {@code checkIntervalMillis}: no thread of its own, and new connections get the new files. A
 * change that does not load (e.g. the key written before its certificate) keeps the last good
 * files in use and is logged; it is tried again on the next change.
 *
 * <p>Each load is a numbered {@link Generation}; the key manager hands out the generation's alias,
 * so a handshake that straddles a reload still gets a certificate and key of the same generation.
 */
final class CertificateReloader {

    private static final Logger LOG = LoggerFactory.getLogger(CertificateReloader.class);
    private static final String ALIAS_PREFIX = "tinykv-";

    /** One successful load of the three files. */
    record Generation(long number, PemFiles.Material material, X509ExtendedTrustManager trust, List<FileStamp> stamps) {
        String alias() {
            return ALIAS_PREFIX + number;
        }
    }

    /** What is compared to notice a change: modification time and size. */
    record FileStamp(long modifiedMillis, long sizeBytes) {}

    private final Path caPath;
    private final Path certPath;
    private final Path keyPath;
    private final LongSupplier clockMillis;
    private final long checkIntervalMillis;
    private volatile Generation current;
    /** The generation before the current one, for handshakes that chose its alias before a reload. */
    private volatile Generation previous;

    private volatile long lastCheckMillis;
    /** The stamps of the last change that failed to load, so it is logged once, not on every check. */
    private List<FileStamp> failedStamps;

    /**
     * @throws SecurityConfigException when the files cannot be used now
     */
    CertificateReloader(SecurityConfig config, LongSupplier clockMillis, long checkIntervalMillis) {
        this.caPath = config.caPath();
        this.certPath = config.certPath();
        this.keyPath = config.keyPath();
        this.clockMillis = clockMillis;
        this.checkIntervalMillis = checkIntervalMillis;
        List<FileStamp> stamps = stamps();
        try {
            this.current = load(1, stamps);
        } catch (PemFiles.PemException e) {
            throw new SecurityConfigException(List.of("security." + e.setting() + ": " + e.getMessage()));
        }
        this.previous = current;
        this.lastCheckMillis = clockMillis.getAsLong();
    }

    /** The generation to use for a new handshake, after reloading if the files changed. */
    Generation current() {
        long now = clockMillis.getAsLong();
        if (now - lastCheckMillis >= checkIntervalMillis) {
            reloadIfChanged(now);
        }
        return current;
    }

    /** The generation an alias handed out earlier names; null if it is older than the previous one. */
    Generation byAlias(String alias) {
        Generation c = current;
        if (c.alias().equals(alias)) {
            return c;
        }
        Generation p = previous;
        return p.alias().equals(alias) ? p : null;
    }

    private synchronized void reloadIfChanged(long now) {
        if (now - lastCheckMillis < checkIntervalMillis) {
            return;
        }
        lastCheckMillis = now;
        List<FileStamp> stamps = stamps();
        if (stamps.equals(current.stamps()) || stamps.equals(failedStamps)) {
            return;
        }
        try {
            Generation next = load(current.number() + 1, stamps);
            previous = current;
            current = next;
            failedStamps = null;
            LOG.info(
                    "certificates reloaded from {}, {}, {} (now {})",
                    caPath,
                    certPath,
                    keyPath,
                    next.material().chain()[0].getSubjectX500Principal());
        } catch (PemFiles.PemException e) {
            failedStamps = stamps;
            LOG.warn("certificate files changed but cannot be used ({}); keeping the previous ones", e.getMessage());
        }
    }

    private Generation load(long number, List<FileStamp> stamps) throws PemFiles.PemException {
        PemFiles.Material material = PemFiles.load(caPath, certPath, keyPath);
        return new Generation(number, material, trustManager(material), stamps);
    }

    private static X509ExtendedTrustManager trustManager(PemFiles.Material material) throws PemFiles.PemException {
        try {
            KeyStore store = KeyStore.getInstance(KeyStore.getDefaultType());
            store.load(null, null);
            for (int i = 0; i < material.trusted().length; i++) {
                store.setCertificateEntry("ca-" + i, material.trusted()[i]);
            }
            TrustManagerFactory factory = TrustManagerFactory.getInstance("PKIX");
            factory.init(store);
            for (TrustManager tm : factory.getTrustManagers()) {
                if (tm instanceof X509ExtendedTrustManager x509) {
                    return x509;
                }
            }
            throw new PemFiles.PemException(SecurityConfig.CA_PATH, "the JDK offers no X.509 trust manager");
        } catch (GeneralSecurityException | IOException e) {
            throw new PemFiles.PemException(SecurityConfig.CA_PATH, "cannot trust the CA certificates: " + e);
        }
    }

    private List<FileStamp> stamps() {
        return List.of(stamp(caPath), stamp(certPath), stamp(keyPath));
    }

    private static FileStamp stamp(Path path) {
        try {
            return new FileStamp(Files.getLastModifiedTime(path).toMillis(), Files.size(path));
        } catch (IOException e) {
            // Missing for a moment while being replaced: a stamp that differs from every real one.
            return new FileStamp(-1, -1);
        }
    }
}
