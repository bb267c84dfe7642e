package io.tinykv.security;

import io.grpc.Context;
import java.security.cert.CertificateException;
import java.security.cert.CertificateParsingException;
import java.security.cert.X509Certificate;
import java.util.ArrayList;
import java.util.Collection;
import java.util.List;

/**
 * Who made a call, as its client certificate says: the subject and its subjectAltNames. A store id is
 * bound to the identity of the certificate that registered it, so that renewing a certificate (same
 * subject and names, new key or validity) keeps the binding, while another store's certificate — a
 * different subject or different names — cannot speak for that store.
 *
 * @param subject the certificate subject, RFC 2253 (e.g. {@code CN=tinykv-store-1,O=example})
 * @param commonName the subject's CN, or null
 * @param altNames the subjectAltNames as {@code TYPE:value}, in certificate order
 */
public record CallerIdentity(String subject, String commonName, List<String> altNames) {

    /** Where the store-call guard leaves the caller's identity for the service (absent in plaintext). */
    public static final Context.Key<CallerIdentity> CONTEXT_KEY = Context.key("tinykv-caller-identity");

    private static final int SAN_DNS = 2;
    private static final int SAN_IP = 7;

    public CallerIdentity {
        altNames = List.copyOf(altNames);
    }

    public static CallerIdentity of(X509Certificate cert) {
        String cn;
        try {
            cn = AllowedCnTrustManager.commonName(cert);
        } catch (CertificateException e) {
            cn = null;
        }
        List<String> names = new ArrayList<>();
        try {
            Collection<List<?>> sans = cert.getSubjectAlternativeNames();
            if (sans != null) {
                for (List<?> san : sans) {
                    int type = (Integer) san.get(0);
                    String kind = type == SAN_DNS ? "DNS" : type == SAN_IP ? "IP" : "type" + type;
                    names.add(kind + ":" + san.get(1));
                }
            }
        } catch (CertificateParsingException e) {
            names.add("unparseable");
        }
        return new CallerIdentity(cert.getSubjectX500Principal().getName(), cn, names);
    }

    /** The caller of the current gRPC call, or null when the call came in plaintext. */
    public static CallerIdentity current() {
        return CONTEXT_KEY.get();
    }

    /** One line naming the certificate: what a store id is bound to. */
    public String binding() {
        return altNames.isEmpty() ? subject : subject + " " + altNames;
    }
}
