package org.sessionstore.webconsole;

import java.security.SecureRandom;
import java.util.Base64;
import java.util.Dictionary;

import org.osgi.framework.ServiceReference;
import org.osgi.service.cm.ConfigurationPlugin;
import org.osgi.service.component.annotations.Component;

/**
 * The Felix Web Console's own login fails closed: a ConfigAdmin plugin on its configuration (PID
 * {@value #PID}) that runs after the secrets are resolved (the interpolation plugin ranks 500) and
 * before the console reads them. A password that is missing, empty, {@code admin}, or a
 * {@code $[…]} placeholder nothing resolved (a secret file renamed or removed: its text would
 * become the password, known to anyone who read the docs) is replaced by a random one nobody
 * knows, with one log line saying what to do; the console is then locked, never open with a
 * guessable password. It also turns on the console's masking of properties named like passwords
 * in its Configurations status page ({@code secret.heuristic.enabled}). In Karaf, where the console
 * logs in through JAAS, this configuration is not what guards it and the plugin changes nothing
 * that matters.
 */
@Component(property = {ConfigurationPlugin.CM_TARGET + "=" + ConsolePasswordGuard.PID,
    ConfigurationPlugin.CM_RANKING + ":Integer=600"})
public class ConsolePasswordGuard implements ConfigurationPlugin {

    static final String PID = "org.apache.felix.webconsole.internal.servlet.OsgiManager";
    private static final System.Logger LOG = System.getLogger("org.sessionstore.webconsole");

    @Override
    public void modifyConfiguration(ServiceReference<?> reference, Dictionary<String, Object> properties) {
        Object pid = properties.get(org.osgi.framework.Constants.SERVICE_PID);
        if (pid != null && !PID.equals(pid)) {
            return;
        }
        properties.put("secret.heuristic.enabled", Boolean.TRUE);
        String why = weak(properties.get("password"));
        if (why != null) {
            byte[] b = new byte[24];
            new SecureRandom().nextBytes(b);
            properties.put("password", Base64.getEncoder().encodeToString(b));
            LOG.log(System.Logger.Level.WARNING, "the Web Console is locked: its password " + why + "; write it to"
                    + " etc/secrets/webconsole_password and give 'password = $[secret:webconsole_password]' in "
                    + PID + ".cfg");
        }
    }

    /** Why a configured password must not be used, or null. */
    static String weak(Object password) {
        if (password == null) {
            return "is not set";
        }
        String p = String.valueOf(password);
        if (p.isBlank()) {
            return "is empty";
        }
        if (p.contains("$[")) {
            return "is a placeholder that did not resolve (no such secret file or variable)";
        }
        if (p.strip().equalsIgnoreCase("admin")) {
            return "is the well-known default";
        }
        return null;
    }
}
