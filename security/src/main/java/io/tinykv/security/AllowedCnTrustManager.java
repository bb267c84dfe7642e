package io.tinykv.security;

import java.net.Socket;
import java.security.cert.CertificateException;
import java.security.cert.X509Certificate;
import java.util.List;
import java.util.Set;
import javax.naming.InvalidNameException;
import javax.naming.ldap.LdapName;
import javax.naming.ldap.Rdn;
import javax.net.ssl.SSLEngine;
import javax.net.ssl.X509ExtendedTrustManager;

/**
 * Checks the peer's certificate chain against the CA of the reloader's current generation (the
 * JDK's PKIX checks, host name checks on the client side included), and on the server side also
 * that the client certificate's common name is one of {@code cert-allowed-cn} when that list is
 * not empty — TiKV's rule. A refused certificate fails the handshake: the peer sees the connection
 * fail, before any call is read.
 */
final class AllowedCnTrustManager extends X509ExtendedTrustManager {

    private final CertificateReloader reloader;
    private final Set<String> allowedCn;

    AllowedCnTrustManager(CertificateReloader reloader, List<String> allowedCn) {
        this.reloader = reloader;
        this.allowedCn = Set.copyOf(allowedCn);
    }

    private X509ExtendedTrustManager trust() {
        return reloader.current().trust();
    }

    @Override
    public void checkClientTrusted(X509Certificate[] chain, String authType) throws CertificateException {
        trust().checkClientTrusted(chain, authType);
        checkCommonName(chain);
    }

    @Override
    public void checkClientTrusted(X509Certificate[] chain, String authType, Socket socket)
            throws CertificateException {
        trust().checkClientTrusted(chain, authType, socket);
        checkCommonName(chain);
    }

    @Override
    public void checkClientTrusted(X509Certificate[] chain, String authType, SSLEngine engine)
            throws CertificateException {
        trust().checkClientTrusted(chain, authType, engine);
        checkCommonName(chain);
    }

    @Override
    public void checkServerTrusted(X509Certificate[] chain, String authType) throws CertificateException {
        trust().checkServerTrusted(chain, authType);
    }

    @Override
    public void checkServerTrusted(X509Certificate[] chain, String authType, Socket socket)
            throws CertificateException {
        trust().checkServerTrusted(chain, authType, socket);
    }

    @Override
    public void checkServerTrusted(X509Certificate[] chain, String authType, SSLEngine engine)
            throws CertificateException {
        trust().checkServerTrusted(chain, authType, engine);
    }

    @Override
    public X509Certificate[] getAcceptedIssuers() {
        return trust().getAcceptedIssuers();
    }

    private void checkCommonName(X509Certificate[] chain) throws CertificateException {
        if (allowedCn.isEmpty()) {
            return;
        }
        String cn = commonName(chain[0]);
        if (cn == null || !allowedCn.contains(cn)) {
            throw new CertificateException("client certificate common name " + (cn == null ? "(none)" : "'" + cn + "'")
                    + " is not in security.cert-allowed-cn " + allowedCn);
        }
    }

    /** The certificate subject's CN, or null when it has none. */
    static String commonName(X509Certificate cert) throws CertificateException {
        try {
            LdapName name = new LdapName(cert.getSubjectX500Principal().getName());
            for (Rdn rdn : name.getRdns()) {
                if (rdn.getType().equalsIgnoreCase("CN")) {
                    return rdn.getValue().toString();
                }
            }
            return null;
        } catch (InvalidNameException e) {
            throw new CertificateException("unreadable certificate subject: " + e.getMessage(), e);
        }
    }
}
