package org.sessionstore.itests;

import java.io.IOException;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.concurrent.TimeUnit;

/**
 * On the driver side of Pax Exam: a free loopback port for Karaf's SSH server and a fresh RSA key
 * pair (made with {@code ssh-keygen}, the OpenSSH client's, as a user would) whose public half
 * Karaf's {@code etc/keys.properties} lists for the user karaf.
 */
record DriverSsh(int port, String privateKey, String publicKey) {

    static DriverSsh create() {
        try {
            Path dir = Files.createTempDirectory("karaf-ssh");
            Path key = dir.resolve("id_rsa");
            Process p = new ProcessBuilder("ssh-keygen", "-q", "-t", "rsa", "-b", "3072", "-N", "", "-C", "itest", "-f",
                    key.toString()).redirectErrorStream(true).start();
            String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
            if (!p.waitFor(60, TimeUnit.SECONDS) || p.exitValue() != 0) {
                throw new IllegalStateException("ssh-keygen failed: " + out);
            }
            // "ssh-rsa AAAA… itest": keys.properties wants the base64 part only
            String pub = Files.readString(dir.resolve("id_rsa.pub")).trim().split(" ")[1];
            int port;
            try (ServerSocket s = new ServerSocket(0, 1, InetAddress.getLoopbackAddress())) {
                port = s.getLocalPort();
            }
            dir.toFile().deleteOnExit();
            return new DriverSsh(port, key.toString(), pub);
        } catch (IOException e) {
            throw new IllegalStateException("the Karaf test needs the OpenSSH client (ssh, ssh-keygen): apt-get install"
                    + " openssh-client; " + e.getMessage(), e);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException(e);
        }
    }
}
