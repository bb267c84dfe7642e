package io.tinykv.security;

import java.io.ByteArrayInputStream;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.GeneralSecurityException;
import java.security.KeyFactory;
import java.security.PrivateKey;
import java.security.Signature;
import java.security.cert.CertificateException;
import java.security.cert.CertificateFactory;
import java.security.cert.X509Certificate;
import java.security.spec.InvalidKeySpecException;
import java.security.spec.PKCS8EncodedKeySpec;
import java.util.Base64;
import java.util.List;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/** Reads the PEM files of {@link SecurityConfig}: CA certificates, a certificate chain, a PKCS#8 key. */
final class PemFiles {

    private static final Pattern PKCS8 =
            Pattern.compile("-----BEGIN PRIVATE KEY-----([A-Za-z0-9+/=\\s]+)-----END PRIVATE KEY-----");
    /** Key algorithms a PKCS#8 key may hold, tried in turn (the DER names it, the JDK wants it told). */
    private static final List<String> KEY_ALGORITHMS = List.of("RSA", "EC", "Ed25519", "Ed448");

    private static final byte[] PROBE = "tinykv key-matches-certificate probe".getBytes(StandardCharsets.US_ASCII);

    /** What one load of the three files produced. */
    record Material(X509Certificate[] trusted, X509Certificate[] chain, PrivateKey key) {}

    /** A file that cannot be used; {@code setting} is the TOML key naming it. */
    static final class PemException extends Exception {
        private final String setting;

        PemException(String setting, String message) {
            super(message);
            this.setting = setting;
        }

        String setting() {
            return setting;
        }
    }

    private PemFiles() {}

    static Material load(Path caPath, Path certPath, Path keyPath) throws PemException {
        X509Certificate[] trusted = certificates(SecurityConfig.CA_PATH, caPath);
        X509Certificate[] chain = certificates(SecurityConfig.CERT_PATH, certPath);
        PrivateKey key = privateKey(keyPath);
        checkKeyMatches(chain[0], key, certPath, keyPath);
        return new Material(trusted, chain, key);
    }

    static X509Certificate[] certificates(String setting, Path path) throws PemException {
        byte[] bytes = read(setting, path);
        try {
            X509Certificate[] certs =
                    CertificateFactory.getInstance("X.509")
                            .generateCertificates(new ByteArrayInputStream(bytes))
                            .stream()
                            .map(c -> (X509Certificate) c)
                            .toArray(X509Certificate[]::new);
            if (certs.length == 0) {
                throw new PemException(setting, path + " holds no certificate (expected PEM, BEGIN CERTIFICATE)");
            }
            return certs;
        } catch (CertificateException e) {
            throw new PemException(setting, path + " is not a PEM certificate file: " + e.getMessage());
        }
    }

    static PrivateKey privateKey(Path path) throws PemException {
        String text = new String(read(SecurityConfig.KEY_PATH, path), StandardCharsets.US_ASCII);
        Matcher m = PKCS8.matcher(text);
        if (!m.find()) {
            String hint = text.contains("BEGIN RSA PRIVATE KEY") || text.contains("BEGIN EC PRIVATE KEY")
                    ? " (this one is PKCS#1/SEC1: convert it with 'openssl pkcs8 -topk8 -nocrypt -in KEY -out KEY.pk8')"
                    : text.contains("BEGIN ENCRYPTED PRIVATE KEY")
                            ? " (this one is encrypted; keys must be unencrypted)"
                            : "";
            throw new PemException(
                    SecurityConfig.KEY_PATH,
                    path + " holds no PKCS#8 private key (expected BEGIN PRIVATE KEY, as openssl genpkey writes)"
                            + hint);
        }
        byte[] der;
        try {
            der = Base64.getMimeDecoder().decode(m.group(1));
        } catch (IllegalArgumentException e) {
            throw new PemException(SecurityConfig.KEY_PATH, path + ": the key is not valid base64");
        }
        for (String algorithm : KEY_ALGORITHMS) {
            try {
                return KeyFactory.getInstance(algorithm).generatePrivate(new PKCS8EncodedKeySpec(der));
            } catch (InvalidKeySpecException | java.security.NoSuchAlgorithmException e) {
                // Not this algorithm: try the next one.
            }
        }
        throw new PemException(SecurityConfig.KEY_PATH, path + ": the key is not an RSA, EC or EdDSA PKCS#8 key");
    }

    /** A key that does not belong to the certificate fails every handshake; say so at start-up instead. */
    private static void checkKeyMatches(X509Certificate cert, PrivateKey key, Path certPath, Path keyPath)
            throws PemException {
        String algorithm = switch (key.getAlgorithm()) {
            case "RSA" -> "SHA256withRSA";
            case "EC" -> "SHA256withECDSA";
            default -> key.getAlgorithm();
        };
        try {
            Signature signer = Signature.getInstance(algorithm);
            signer.initSign(key);
            signer.update(PROBE);
            byte[] signature = signer.sign();
            Signature verifier = Signature.getInstance(algorithm);
            verifier.initVerify(cert.getPublicKey());
            verifier.update(PROBE);
            if (!verifier.verify(signature)) {
                throw new PemException(
                        SecurityConfig.KEY_PATH, keyPath + " is not the key of the certificate in " + certPath);
            }
        } catch (GeneralSecurityException e) {
            throw new PemException(
                    SecurityConfig.KEY_PATH,
                    keyPath + " does not fit the certificate in " + certPath + ": " + e.getMessage());
        }
    }

    private static byte[] read(String setting, Path path) throws PemException {
        try {
            return Files.readAllBytes(path);
        } catch (IOException e) {
            throw new PemException(setting, "cannot read " + path + ": " + e.getMessage());
        }
    }
}
