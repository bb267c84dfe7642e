package io.tinykv.security;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.math.BigInteger;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.GeneralSecurityException;
import java.security.KeyPair;
import java.security.KeyPairGenerator;
import java.security.cert.X509Certificate;
import java.security.spec.ECGenParameterSpec;
import java.time.Duration;
import java.time.Instant;
import java.util.Base64;
import java.util.Date;
import java.util.List;
import java.util.concurrent.atomic.AtomicLong;
import javax.security.auth.x500.X500Principal;
import org.bouncycastle.asn1.x509.BasicConstraints;
import org.bouncycastle.asn1.x509.ExtendedKeyUsage;
import org.bouncycastle.asn1.x509.Extension;
import org.bouncycastle.asn1.x509.GeneralName;
import org.bouncycastle.asn1.x509.GeneralNames;
import org.bouncycastle.asn1.x509.KeyPurposeId;
import org.bouncycastle.asn1.x509.KeyUsage;
import org.bouncycastle.cert.CertIOException;
import org.bouncycastle.cert.jcajce.JcaX509CertificateConverter;
import org.bouncycastle.cert.jcajce.JcaX509v3CertificateBuilder;
import org.bouncycastle.operator.OperatorCreationException;
import org.bouncycastle.operator.jcajce.JcaContentSignerBuilder;

/**
 * Certificates for tests, made on the spot: a CA, and certificates it signs for 127.0.0.1 and
 * localhost (usable as server and as client), written as PEM files the way {@code [security]}
 * reads them (the key as PKCS#8, {@code BEGIN PRIVATE KEY}). EC P-256 keys: quick to generate.
 */
public final class TestCertificates {

    private static final Duration VALIDITY = Duration.ofDays(2);
    private static final Duration CLOCK_SKEW = Duration.ofHours(1);
    private static final String SIGNATURE = "SHA256withECDSA";
    private static final AtomicLong SERIAL = new AtomicLong(System.nanoTime());

    private TestCertificates() {}

    /** A certificate with its key. */
    public record Issued(X509Certificate cert, KeyPair keys) {}

    /** A CA that signs certificates. */
    public record Authority(Issued self) {
        /** A certificate for {@code commonName}, valid for 127.0.0.1 and localhost, server and client use. */
        public Issued issue(String commonName) {
            return issueWithValidity(
                    commonName, Instant.now().minus(CLOCK_SKEW), Instant.now().plus(VALIDITY));
        }

        public Issued issueWithValidity(String commonName, Instant notBefore, Instant notAfter) {
            KeyPair keys = ecKeys();
            try {
                JcaX509v3CertificateBuilder b = new JcaX509v3CertificateBuilder(
                        self.cert().getSubjectX500Principal(),
                        serial(),
                        Date.from(notBefore),
                        Date.from(notAfter),
                        new X500Principal("CN=" + commonName),
                        keys.getPublic());
                b.addExtension(Extension.basicConstraints, true, new BasicConstraints(false));
                b.addExtension(Extension.keyUsage, true, new KeyUsage(KeyUsage.digitalSignature));
                b.addExtension(Extension.extendedKeyUsage, false, new ExtendedKeyUsage(new KeyPurposeId[] {
                    KeyPurposeId.id_kp_serverAuth, KeyPurposeId.id_kp_clientAuth
                }));
                b.addExtension(Extension.subjectAlternativeName, false, new GeneralNames(new GeneralName[] {
                    new GeneralName(GeneralName.iPAddress, "127.0.0.1"),
                    new GeneralName(GeneralName.dNSName, "localhost")
                }));
                return new Issued(sign(b, self.keys()), keys);
            } catch (CertIOException e) {
                throw new IllegalStateException(e);
            }
        }
    }

    /** A self-signed CA named {@code commonName}. */
    public static Authority authority(String commonName) {
        KeyPair keys = ecKeys();
        X500Principal name = new X500Principal("CN=" + commonName);
        try {
            JcaX509v3CertificateBuilder b = new JcaX509v3CertificateBuilder(
                    name,
                    serial(),
                    Date.from(Instant.now().minus(CLOCK_SKEW)),
                    Date.from(Instant.now().plus(VALIDITY)),
                    name,
                    keys.getPublic());
            b.addExtension(Extension.basicConstraints, true, new BasicConstraints(true));
            b.addExtension(Extension.keyUsage, true, new KeyUsage(KeyUsage.keyCertSign | KeyUsage.cRLSign));
            return new Authority(new Issued(sign(b, keys), keys));
        } catch (CertIOException e) {
            throw new IllegalStateException(e);
        }
    }

    /**
     * Writes {@code <name>.pem}, {@code <name>-key.pem} and (once) {@code ca.pem} of {@code ca}
     * into {@code dir}; the files as a {@link SecurityConfig} with {@code allowedCn}.
     */
    public static SecurityConfig write(Path dir, String name, Authority ca, Issued issued, List<String> allowedCn) {
        try {
            Files.createDirectories(dir);
            Path caFile = dir.resolve("ca-" + ca.self().cert().getSerialNumber() + ".pem");
            if (!Files.exists(caFile)) {
                Files.writeString(caFile, certificatePem(ca.self().cert()));
            }
            Path cert = dir.resolve(name + ".pem");
            Path key = dir.resolve(name + "-key.pem");
            Files.writeString(cert, certificatePem(issued.cert()));
            Files.writeString(key, keyPem(issued));
            return new SecurityConfig(caFile, cert, key, allowedCn);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    public static String certificatePem(X509Certificate cert) {
        try {
            return pem("CERTIFICATE", cert.getEncoded());
        } catch (GeneralSecurityException e) {
            throw new IllegalStateException(e);
        }
    }

    /** PKCS#8, as {@code openssl genpkey} writes it. */
    public static String keyPem(Issued issued) {
        return pem("PRIVATE KEY", issued.keys().getPrivate().getEncoded());
    }

    private static String pem(String type, byte[] der) {
        String body = Base64.getMimeEncoder(64, "\n".getBytes(StandardCharsets.US_ASCII))
                .encodeToString(der);
        return "-----BEGIN " + type + "-----\n" + body + "\n-----END " + type + "-----\n";
    }

    private static X509Certificate sign(JcaX509v3CertificateBuilder b, KeyPair signer) {
        try {
            return new JcaX509CertificateConverter()
                    .getCertificate(b.build(new JcaContentSignerBuilder(SIGNATURE).build(signer.getPrivate())));
        } catch (OperatorCreationException | GeneralSecurityException e) {
            throw new IllegalStateException(e);
        }
    }

    private static KeyPair ecKeys() {
        try {
            KeyPairGenerator g = KeyPairGenerator.getInstance("EC");
            g.initialize(new ECGenParameterSpec("secp256r1"));
            return g.generateKeyPair();
        } catch (GeneralSecurityException e) {
            throw new IllegalStateException(e);
        }
    }

    private static BigInteger serial() {
        return BigInteger.valueOf(SERIAL.incrementAndGet());
    }
}
