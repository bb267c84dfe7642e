package io.tinykv.security;

import java.security.cert.CertificateException;
import java.security.cert.X509Certificate;
import java.util.List;
import java.util.function.Supplier;

/**
 * Which client certificates are stores'. The store-to-store service and the scheduler's store-side
 * calls accept only these; every other certificate of the CA (a client's, {@code ctl}'s) reaches the
 * client-facing API alone.
 *
 * <p>The rule, by the certificate subject's common name (CN): with {@code [security]
 * store-cert-allowed-cn} set, the CN must be one of its names, or start with the part before the
 * {@code *} of an entry that ends in one ({@code tinykv-store-*}); without it, the CN must equal this
 * process's own certificate's CN — the layout where the scheduler and the stores share one store
 * certificate (or one CN) and clients get certificates of another. The CN alone decides, not the
 * subjectAltNames: those name addresses, which the handshake checks already.
 */
public final class StoreCertificatePolicy {

    private final List<String> allowed;
    /** This process's certificate's CN now (it may be rotated); asked only when {@code allowed} is empty. */
    private final Supplier<String> ownCommonName;

    StoreCertificatePolicy(List<String> allowed, Supplier<String> ownCommonName) {
        this.allowed = List.copyOf(allowed);
        this.ownCommonName = ownCommonName;
    }

    /** A policy admitting exactly these names (a trailing {@code *} matches a prefix). */
    public static StoreCertificatePolicy ofNames(List<String> names) {
        if (names.isEmpty()) {
            throw new IllegalArgumentException("a store certificate policy needs at least one name");
        }
        return new StoreCertificatePolicy(names, () -> null);
    }

    /** Whether {@code cert} is a store's. */
    public boolean isStore(X509Certificate cert) {
        String cn;
        try {
            cn = AllowedCnTrustManager.commonName(cert);
        } catch (CertificateException e) {
            return false;
        }
        return cn != null && matches(cn);
    }

    boolean matches(String cn) {
        if (allowed.isEmpty()) {
            return cn.equals(ownCommonName.get());
        }
        for (String name : allowed) {
            if (name.endsWith("*") ? cn.startsWith(name.substring(0, name.length() - 1)) : cn.equals(name)) {
                return true;
            }
        }
        return false;
    }

    /** The rule in words, for refusals and logs. */
    public String describe() {
        return allowed.isEmpty()
                ? "the common name of this process's own certificate ('" + ownCommonName.get() + "')"
                : "security.store-cert-allowed-cn " + allowed;
    }
}
