package org.sessionstore.redis;

import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.GeneralSecurityException;
import java.security.KeyFactory;
import java.security.KeyStore;
import java.security.PrivateKey;
import java.security.cert.Certificate;
import java.security.cert.CertificateFactory;
import java.security.spec.PKCS8EncodedKeySpec;
import java.util.Base64;
import java.util.Collection;
import java.util.List;

import javax.net.ssl.KeyManagerFactory;
import javax.net.ssl.SSLContext;
import javax.net.ssl.SSLParameters;
import javax.net.ssl.SSLSocketFactory;
import javax.net.ssl.TrustManagerFactory;

import org.sessionstore.api.StoreConfigException;

/**
 * TLS to Redis that verifies: the server's chain against {@code tls_ca_file} (or the JVM's CAs)
 * and, unless {@code tls_verify_hostname=false}, its name against the host in {@code addr}
 * (endpoint identification as HTTPS does it: the certificate's subject alternative names must
 * hold the host name or IP address). A client certificate is presented when
 * {@code tls_cert_file} and {@code tls_key_file} are given. Files are PEM; the key is PKCS#8
 * (unencrypted), as {@code openssl pkcs8 -topk8 -nocrypt} writes it.
 *
 * @param socketFactory makes the TLS sockets
 * @param parameters what each socket checks
 */
record TlsSetup(SSLSocketFactory socketFactory, SSLParameters parameters) {

    static TlsSetup of(RedisConfig.Tls tls) {
        try {
            TrustManagerFactory tmf = TrustManagerFactory.getInstance(TrustManagerFactory.getDefaultAlgorithm());
            tmf.init(tls.caFile() == null ? null : trustStore(tls.caFile()));
            KeyManagerFactory kmf = null;
            if (tls.certFile() != null) {
                kmf = KeyManagerFactory.getInstance(KeyManagerFactory.getDefaultAlgorithm());
                kmf.init(keyStore(tls.certFile(), tls.keyFile()), new char[0]);
            }
            SSLContext ctx = SSLContext.getInstance("TLS");
            ctx.init(kmf == null ? null : kmf.getKeyManagers(), tmf.getTrustManagers(), null);
            SSLParameters params = ctx.getDefaultSSLParameters();
            if (tls.verifyHostname()) {
                params.setEndpointIdentificationAlgorithm("HTTPS");
            }
            return new TlsSetup(ctx.getSocketFactory(), params);
        } catch (GeneralSecurityException | IOException e) {
            String key = tls.certFile() != null && String.valueOf(e.getMessage()).toLowerCase().contains("key")
                    ? "tls_key_file" : "tls";
            throw new StoreConfigException(key, "TLS to redis cannot be set up: "
                    + org.sessionstore.api.Redaction.printable(String.valueOf(e.getMessage())));
        }
    }

    private static KeyStore trustStore(Path caFile) throws GeneralSecurityException, IOException {
        Collection<? extends Certificate> cas = certificates(caFile, "tls_ca_file");
        KeyStore ks = KeyStore.getInstance(KeyStore.getDefaultType());
        ks.load(null, null);
        int i = 0;
        for (Certificate c : cas) {
            ks.setCertificateEntry("ca-" + i++, c);
        }
        return ks;
    }

    private static KeyStore keyStore(Path certFile, Path keyFile) throws GeneralSecurityException, IOException {
        Collection<? extends Certificate> chain = certificates(certFile, "tls_cert_file");
        KeyStore ks = KeyStore.getInstance(KeyStore.getDefaultType());
        ks.load(null, null);
        ks.setKeyEntry("client", privateKey(keyFile), new char[0], chain.toArray(new Certificate[0]));
        return ks;
    }

    private static Collection<? extends Certificate> certificates(Path file, String key)
            throws GeneralSecurityException, IOException {
        Collection<? extends Certificate> certs;
        try (InputStream in = Files.newInputStream(file)) {
            certs = CertificateFactory.getInstance("X.509").generateCertificates(in);
        } catch (GeneralSecurityException e) {
            throw new StoreConfigException(key, "redis store key '" + key + "' names " + file
                    + ", which holds no PEM certificate: " + e.getMessage());
        }
        if (certs.isEmpty()) {
            throw new StoreConfigException(key, "redis store key '" + key + "' names " + file + ", which holds no PEM certificate");
        }
        return certs;
    }

    private static PrivateKey privateKey(Path file) throws IOException {
        // ISO-8859-1 reads any bytes: a binary file is then "no PKCS#8 key", not a decoding error
        String pem = Files.readString(file, StandardCharsets.ISO_8859_1);
        int begin = pem.indexOf("-----BEGIN PRIVATE KEY-----");
        int end = pem.indexOf("-----END PRIVATE KEY-----");
        if (begin < 0 || end < begin) {
            throw new StoreConfigException("tls_key_file", "redis store key 'tls_key_file' names " + file
                    + ", which holds no unencrypted PKCS#8 key (-----BEGIN PRIVATE KEY-----); convert it with"
                    + " openssl pkcs8 -topk8 -nocrypt -in KEY -out KEY.pk8");
        }
        byte[] der;
        try {
            der = Base64.getMimeDecoder().decode(pem.substring(begin + 27, end));
        } catch (IllegalArgumentException e) {
            throw new StoreConfigException("tls_key_file", "redis store key 'tls_key_file' names " + file
                    + ", whose PKCS#8 block is not valid base64");
        }
        for (String algorithm : List.of("RSA", "EC", "Ed25519")) {
            try {
                return KeyFactory.getInstance(algorithm).generatePrivate(new PKCS8EncodedKeySpec(der));
            } catch (GeneralSecurityException notThisOne) {
                // try the next algorithm
            }
        }
        throw new StoreConfigException("tls_key_file", "redis store key 'tls_key_file' names " + file
                + ", whose key is neither RSA, EC nor Ed25519");
    }
}
