package org.sessionstore.testkit.redis;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;

/**
 * Certificates made at test time with the {@code openssl} command: a CA, a server certificate
 * for {@code localhost} and {@code 127.0.0.1} signed by it, one for another host name, a client
 * certificate, and a second CA nobody trusts with a server certificate of its own. Keys are
 * PKCS#8 PEM. A missing {@code openssl} fails with how to install it.
 */
public final class TestCertificates {

    private final Path dir;

    private TestCertificates(Path dir) {
        this.dir = dir;
    }

    /**
     * Makes them all in a new temporary folder.
     *
     * @return the certificates
     * @throws IOException if openssl is missing or fails
     */
    public static TestCertificates create() throws IOException {
        Path dir = Files.createTempDirectory("tls-test-");
        TestCertificates c = new TestCertificates(dir);
        c.ca("ca");
        c.ca("rogue-ca");
        c.signed("server", "ca", "DNS:localhost,IP:127.0.0.1", "serverAuth");
        c.signed("wronghost", "ca", "DNS:other.example", "serverAuth");
        c.signed("client", "ca", "DNS:sessionstore-client", "clientAuth");
        c.signed("rogue", "rogue-ca", "DNS:localhost,IP:127.0.0.1", "serverAuth");
        return c;
    }

    private void ca(String name) throws IOException {
        openssl("req", "-x509", "-newkey", "rsa:2048", "-nodes", "-days", "2", "-subj", "/CN=" + name,
                "-keyout", key(name).toString(), "-out", cert(name).toString());
    }

    private void signed(String name, String ca, String san, String usage) throws IOException {
        Path csr = dir.resolve(name + ".csr");
        Path ext = dir.resolve(name + ".ext");
        Files.writeString(ext, "subjectAltName=" + san + "\nextendedKeyUsage=" + usage + "\n");
        openssl("req", "-newkey", "rsa:2048", "-nodes", "-subj", "/CN=" + name, "-keyout", key(name).toString(),
                "-out", csr.toString());
        openssl("x509", "-req", "-in", csr.toString(), "-CA", cert(ca).toString(), "-CAkey", key(ca).toString(),
                "-CAcreateserial", "-days", "2", "-extfile", ext.toString(), "-out", cert(name).toString());
    }

    private void openssl(String... args) throws IOException {
        List<String> cmd = new ArrayList<>();
        cmd.add("openssl");
        cmd.addAll(List.of(args));
        Process p;
        try {
            p = new ProcessBuilder(cmd).redirectErrorStream(true).redirectOutput(dir.resolve("openssl.log").toFile()).start();
        } catch (IOException e) {
            throw new IOException("the openssl command is missing, and the TLS tests make their certificates with it;"
                    + " install it (Debian/Ubuntu: sudo apt-get install openssl)", e);
        }
        try {
            if (!p.waitFor(60, TimeUnit.SECONDS) || p.exitValue() != 0) {
                throw new IOException("openssl " + String.join(" ", args) + " failed; see " + dir.resolve("openssl.log"));
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IOException("interrupted", e);
        }
    }

    /**
     * @param name {@code ca}, {@code rogue-ca}, {@code server}, {@code wronghost}, {@code client} or {@code rogue}
     * @return its PEM certificate
     */
    public Path cert(String name) {
        return dir.resolve(name + ".crt");
    }

    /**
     * @param name as for {@link #cert}
     * @return its PKCS#8 PEM private key
     */
    public Path key(String name) {
        return dir.resolve(name + ".key");
    }
}
