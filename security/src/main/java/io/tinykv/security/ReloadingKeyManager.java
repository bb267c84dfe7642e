package io.tinykv.security;

import java.net.Socket;
import java.security.Principal;
import java.security.PrivateKey;
import java.security.cert.X509Certificate;
import javax.net.ssl.SSLEngine;
import javax.net.ssl.X509ExtendedKeyManager;

/**
 * Presents this process's certificate, as a server and as a client, from the reloader's current
 * generation. There is one identity: every alias question is answered with the generation's alias
 * when the key fits the key type asked for.
 */
final class ReloadingKeyManager extends X509ExtendedKeyManager {

    private final CertificateReloader reloader;

    ReloadingKeyManager(CertificateReloader reloader) {
        this.reloader = reloader;
    }

    private String aliasFor(String keyType) {
        CertificateReloader.Generation g = reloader.current();
        return fits(keyType, g.material().key().getAlgorithm()) ? g.alias() : null;
    }

    private String aliasFor(String[] keyTypes) {
        if (keyTypes == null) {
            return aliasFor((String) null);
        }
        for (String keyType : keyTypes) {
            String alias = aliasFor(keyType);
            if (alias != null) {
                return alias;
            }
        }
        return null;
    }

    /** TLS names key types "RSA", "EC", and for TLS 1.2 client certificates "EC_EC", "EC_RSA". */
    private static boolean fits(String keyType, String keyAlgorithm) {
        return keyType == null
                || keyType.equals(keyAlgorithm)
                || keyType.startsWith(keyAlgorithm + "_")
                || (keyAlgorithm.startsWith("Ed") && keyType.equals("EdDSA"));
    }

    private static String[] array(String alias) {
        return alias == null ? null : new String[] {alias};
    }

    @Override
    public String[] getClientAliases(String keyType, Principal[] issuers) {
        return array(aliasFor(keyType));
    }

    @Override
    public String chooseClientAlias(String[] keyType, Principal[] issuers, Socket socket) {
        return aliasFor(keyType);
    }

    @Override
    public String chooseEngineClientAlias(String[] keyType, Principal[] issuers, SSLEngine engine) {
        return aliasFor(keyType);
    }

    @Override
    public String[] getServerAliases(String keyType, Principal[] issuers) {
        return array(aliasFor(keyType));
    }

    @Override
    public String chooseServerAlias(String keyType, Principal[] issuers, Socket socket) {
        return aliasFor(keyType);
    }

    @Override
    public String chooseEngineServerAlias(String keyType, Principal[] issuers, SSLEngine engine) {
        return aliasFor(keyType);
    }

    @Override
    public X509Certificate[] getCertificateChain(String alias) {
        CertificateReloader.Generation g = reloader.byAlias(alias);
        return g == null ? null : g.material().chain().clone();
    }

    @Override
    public PrivateKey getPrivateKey(String alias) {
        CertificateReloader.Generation g = reloader.byAlias(alias);
        return g == null ? null : g.material().key();
    }
}
