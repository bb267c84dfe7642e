package io.tinykv.security;

import com.sun.net.httpserver.HttpsConfigurator;
import com.sun.net.httpserver.HttpsParameters;
import io.grpc.ChannelCredentials;
import io.grpc.InsecureChannelCredentials;
import io.grpc.InsecureServerCredentials;
import io.grpc.ServerCredentials;
import io.grpc.TlsChannelCredentials;
import io.grpc.TlsServerCredentials;
import java.security.GeneralSecurityException;
import java.util.function.LongSupplier;
import javax.net.ssl.KeyManager;
import javax.net.ssl.SSLContext;
import javax.net.ssl.SSLParameters;
import javax.net.ssl.TrustManager;

/**
 * Turns the {@code [security]} settings into what servers and clients are built with: gRPC
 * {@link ServerCredentials} (client certificate required) and {@link ChannelCredentials} (our
 * certificate presented), and HTTPS for the status endpoints. With TLS off, plaintext — the
 * behaviour without a {@code [security]} section. One instance per process: every server and
 * client of the process shares its reloading key and trust managers, so a rotated certificate is
 * picked up everywhere at once.
 */
public final class TlsCredentials {

    /** How often, at most, a handshake looks at the certificate files for a change. */
    public static final long DEFAULT_RELOAD_CHECK_INTERVAL_MILLIS = 1_000;

    private static final TlsCredentials PLAINTEXT = new TlsCredentials(null, null, null, null);

    private final KeyManager keyManager;
    private final TrustManager trustManager;
    private final SSLContext sslContext;
    private final StoreCertificatePolicy storePolicy;

    private TlsCredentials(
            KeyManager keyManager,
            TrustManager trustManager,
            SSLContext sslContext,
            StoreCertificatePolicy storePolicy) {
        this.keyManager = keyManager;
        this.trustManager = trustManager;
        this.sslContext = sslContext;
        this.storePolicy = storePolicy;
    }

    /** No TLS. */
    public static TlsCredentials plaintext() {
        return PLAINTEXT;
    }

    /**
     * Validates {@code config} and loads its files (system clock, default reload check interval).
     *
     * @throws SecurityConfigException naming every problem
     */
    public static TlsCredentials of(SecurityConfig config) {
        return of(config, System::currentTimeMillis, DEFAULT_RELOAD_CHECK_INTERVAL_MILLIS);
    }

    /**
     * @param clockMillis the time the reload checks go by
     * @param reloadCheckIntervalMillis how often, at most, handshakes look for changed files
     * @throws SecurityConfigException naming every problem
     */
    public static TlsCredentials of(SecurityConfig config, LongSupplier clockMillis, long reloadCheckIntervalMillis) {
        config.validate();
        if (!config.enabled()) {
            return PLAINTEXT;
        }
        CertificateReloader reloader = new CertificateReloader(config, clockMillis, reloadCheckIntervalMillis);
        KeyManager keys = new ReloadingKeyManager(reloader);
        TrustManager trust = new AllowedCnTrustManager(reloader, config.certAllowedCn());
        try {
            SSLContext context = SSLContext.getInstance("TLS");
            context.init(new KeyManager[] {keys}, new TrustManager[] {trust}, null);
            StoreCertificatePolicy stores = new StoreCertificatePolicy(config.storeCertAllowedCn(), () -> {
                try {
                    return AllowedCnTrustManager.commonName(
                            reloader.current().material().chain()[0]);
                } catch (java.security.cert.CertificateException e) {
                    return null;
                }
            });
            return new TlsCredentials(keys, trust, context, stores);
        } catch (GeneralSecurityException e) {
            throw new IllegalStateException("the JDK cannot set up TLS: " + e.getMessage(), e);
        }
    }

    public boolean enabled() {
        return keyManager != null;
    }

    /** Which certificates are stores'; null when TLS is off (no certificates to go by). */
    public StoreCertificatePolicy storePolicy() {
        return storePolicy;
    }

    /** For gRPC servers: mutual TLS (a client certificate is required), or plaintext when off. */
    public ServerCredentials serverCredentials() {
        if (!enabled()) {
            return InsecureServerCredentials.create();
        }
        return TlsServerCredentials.newBuilder()
                .keyManager(keyManager)
                .trustManager(trustManager)
                .clientAuth(TlsServerCredentials.ClientAuth.REQUIRE)
                .build();
    }

    /** For gRPC channels: TLS presenting our certificate, or plaintext when off. */
    public ChannelCredentials channelCredentials() {
        if (!enabled()) {
            return InsecureChannelCredentials.create();
        }
        return TlsChannelCredentials.newBuilder()
                .keyManager(keyManager)
                .trustManager(trustManager)
                .build();
    }

    /**
     * For the status endpoints ({@code HTTPServer.builder().httpsConfigurator(...)}): HTTPS that
     * requires a client certificate; null when TLS is off (plain HTTP).
     */
    public HttpsConfigurator httpsConfigurator() {
        if (!enabled()) {
            return null;
        }
        return new HttpsConfigurator(sslContext) {
            @Override
            public void configure(HttpsParameters params) {
                SSLParameters parameters = getSSLContext().getDefaultSSLParameters();
                parameters.setNeedClientAuth(true);
                params.setSSLParameters(parameters);
            }
        };
    }

    /** The scheme the status endpoints are reached by: {@code https} with TLS on, else {@code http}. */
    public String httpScheme() {
        return enabled() ? "https" : "http";
    }

    /** Client and server TLS context (for HTTPS clients such as readiness probes); null when off. */
    public SSLContext sslContext() {
        return sslContext;
    }
}
