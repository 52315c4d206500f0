package org.sessionstore.distribution;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.SecureRandom;
import java.util.Base64;
import java.util.Map;

/**
 * Whether the Felix Web Console starts, and with which password. It starts only when HTTP is on and
 * {@code etc/secrets/webconsole_password} (the {@code sessionstore.secrets} folder) holds a
 * password: its configuration ({@code etc/org.apache.felix.webconsole.internal.servlet.OsgiManager.cfg},
 * written when missing, the operator's afterwards) takes the password by reference,
 * {@code $[secret:webconsole_password]}, resolved by ConfigAdmin's interpolation plugin. Until
 * ConfigAdmin delivers that configuration the console's own default would be {@code admin}/{@code admin}:
 * its framework default is set to a random password no one knows instead, so there is no moment
 * when {@code admin}/{@code admin} opens it. Without the secret the console bundle is not installed
 * (the framework cache is rebuilt at each start, so the next start with the secret installs it), and
 * one log line says how to turn it on.
 */
final class WebConsole {

    /** The packed jar of the Web Console: installed only with a password. */
    static final String JAR = "org.apache.felix.webconsole.jar";
    static final String SECRET = "webconsole_password";
    static final String PID = "org.apache.felix.webconsole.internal.servlet.OsgiManager";

    private WebConsole() {
    }

    /** Whether the console starts: HTTP on and a password in the secrets folder. */
    static boolean enabled(boolean http, Path secrets) {
        Path p = secrets.resolve(SECRET);
        boolean has;
        try {
            has = Files.isRegularFile(p) && !Files.readString(p).isBlank();
        } catch (IOException | RuntimeException e) {
            has = false;
        }
        if (http && !has) {
            java.util.logging.Logger.getLogger("org.sessionstore.distribution").warning("the Web Console is off: it"
                    + " starts once " + p + " holds its password (user admin), at the next start");
        }
        return http && has;
    }

    /** Writes the console's configuration when missing, and its defaults (never admin/admin) into {@code props}. */
    static void configure(Path etc, Map<String, Object> props) throws IOException {
        Path cfg = etc.resolve(PID + ".cfg");
        if (!Files.exists(cfg)) {
            Files.writeString(cfg, String.join(System.lineSeparator(),
                    "# The Felix Web Console (/system/console): its user, and its password by reference, read by",
                    "# ConfigAdmin from etc/secrets/" + SECRET + " (never write the password here).",
                    "username = admin",
                    "password = $[secret:" + SECRET + "]",
                    ""));
        }
        byte[] random = new byte[24];
        new SecureRandom().nextBytes(random);
        props.putIfAbsent("felix.webconsole.username", "admin");
        props.put("felix.webconsole.password", Base64.getEncoder().encodeToString(random));
    }
}
