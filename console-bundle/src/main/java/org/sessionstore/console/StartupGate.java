package org.sessionstore.console;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.stream.Stream;

import org.osgi.framework.Bundle;
import org.osgi.framework.BundleContext;
import org.osgi.framework.InvalidSyntaxException;
import org.osgi.framework.ServiceReference;

/**
 * Holds the console back until the configuration found at start is in effect: the session
 * store's front carries {@code sessionstore.state} once the registry has applied (or refused,
 * reporting why) the configuration of {@code etc/*.cfg}, the seed's YAML and a saved
 * {@code use}, and the {@code sessionstore:} commands are published. So the first line of input
 * runs on the configured store, never on a default one that is replaced a moment later.
 *
 * <p>It also waits until the framework has reached its start level (every packed bundle started,
 * Felix's commands among them).
 *
 * <p>And it waits for {@code deploy/}: every jar there is started (or refused by the
 * {@link DeployGuard}, or installed for {@value #GRACE_MILLIS} ms without starting, which its
 * own log line explains), so the first line of input finds the backends dropped there, not only the
 * memory store. A store that waits for its type is given that long too; then the console starts
 * anyway with a warning (its calls wait up to {@code swap_timeout}).
 */
final class StartupGate {

    static final long TIMEOUT_MILLIS = 30_000;
    /** After the last deploy/ jar is installed, how long a waiting store gets to become active. */
    static final long GRACE_MILLIS = 3_000;

    private static final String COMMANDS = "(osgi.command.scope=sessionstore)";
    private static final String PROCESSOR = "(objectClass=org.apache.felix.service.command.CommandProcessor)";
    private static final String FRONT = "(&(objectClass=org.sessionstore.api.SessionStore)(sessionstore.front=true)"
            + "(sessionstore.state=*))";

    private final BundleContext context;
    private final Path deploy;
    private final DeployGuard guard;
    /** When each deploy/ bundle was first seen installed but not active. */
    private final java.util.Map<Long, Long> seenInactive = new java.util.HashMap<>();
    /** Each deploy/ jar's symbolic name and version ("" if refused or not a bundle), by path, size and time. */
    private final java.util.Map<String, String> identities = new java.util.HashMap<>();
    /** The jar the gate waits for, for the warning. */
    private String waitingFor;

    StartupGate(BundleContext context, Path deploy, DeployGuard guard) {
        this.context = context;
        this.deploy = deploy;
        this.guard = guard;
    }

    void await() throws InterruptedException {
        long start = System.currentTimeMillis();
        long deployedAt = -1;
        String state = null;
        while (System.currentTimeMillis() - start < TIMEOUT_MILLIS) {
            ServiceReference<?> front = first(FRONT);
            if (started() && front != null && first(COMMANDS) != null && first(PROCESSOR) != null) {
                state = String.valueOf(front.getProperty("sessionstore.state"));
                boolean settled = deploySettled();
                if (settled && (state.equals("ACTIVE") || state.equals("FAILED"))) {
                    return; // a FAILED store's reason was logged by the registry; calls fail at once with it
                }
                if (settled) {
                    if (deployedAt < 0) {
                        deployedAt = System.currentTimeMillis();
                    } else if (System.currentTimeMillis() - deployedAt > GRACE_MILLIS) {
                        break;
                    }
                }
            }
            Thread.sleep(20);
        }
        long waited = (System.currentTimeMillis() - start) / 1000;
        if ("ACTIVE".equals(state) || "FAILED".equals(state)) {
            System.err.println("warning: " + deploy.resolve(String.valueOf(waitingFor)) + " is not installed and started"
                    + " after " + waited + "s; the console starts without it; see 'lb' and the log above");
        } else {
            System.err.println("warning: the session store is " + (state == null ? "not published" : state) + " after "
                    + waited + "s; see 'sessionstore:info' and 'lb'");
        }
    }

    /**
     * Whether the framework has started every packed bundle: it is active (Felix makes it so once
     * its beginning start level is reached), so Felix's own commands are there too.
     */
    private boolean started() {
        return context.getBundle(0).getState() == Bundle.ACTIVE;
    }

    /**
     * Whether every jar in deploy/ has come as far as it will: refused by the guard; or a bundle
     * of its symbolic name and version is installed (from it, or from another jar with the same
     * manifest, such as a {@code -tests.jar} copied beside it: FileInstall keeps one of them) and
     * is active, or has not started for longer than the grace (it failed to resolve or start, and
     * said so in the log); or it has no readable manifest (the guard's log line says so).
     */
    private boolean deploySettled() {
        List<Path> jars;
        try (Stream<Path> files = Files.list(deploy)) {
            jars = files.filter(p -> p.getFileName().toString().toLowerCase(java.util.Locale.ROOT).endsWith(".jar"))
                    .toList();
        } catch (IOException e) {
            return true;
        }
        long now = System.currentTimeMillis();
        waitingFor = null;
        for (Path jar : jars) {
            String identity = identity(jar);
            if (identity == null) {
                continue; // refused, or not a bundle
            }
            Bundle found = null;
            for (Bundle b : context.getBundles()) {
                if (identity.equals(b.getSymbolicName() + ";" + b.getVersion())) {
                    found = b;
                    break;
                }
            }
            boolean settled = found != null && (found.getState() == Bundle.ACTIVE
                    || found.getHeaders().get("Fragment-Host") != null
                    || now - seenInactive.computeIfAbsent(found.getBundleId(), id -> now) >= GRACE_MILLIS);
            if (!settled) {
                waitingFor = jar.getFileName().toString();
                return false;
            }
        }
        return true;
    }

    /** A jar's symbolic name and version, read once per file and change; null if the guard refuses it. */
    private String identity(Path jar) {
        java.io.File file = jar.toFile();
        String key = file.getAbsolutePath() + "|" + file.length() + "|" + file.lastModified();
        return identities.computeIfAbsent(key, k -> {
            if (guard != null && guard.refusal(file) != null) {
                return "";
            }
            try (java.util.jar.JarFile j = new java.util.jar.JarFile(file, false)) {
                java.util.jar.Manifest mf = j.getManifest();
                String bsn = mf == null ? null : mf.getMainAttributes().getValue("Bundle-SymbolicName");
                if (bsn == null) {
                    return "";
                }
                String version = mf.getMainAttributes().getValue("Bundle-Version");
                return bsn.split(";", 2)[0].trim() + ";" + org.osgi.framework.Version.parseVersion(version == null ? null
                        : version.trim());
            } catch (IOException | RuntimeException e) {
                return ""; // unreadable or a bad version: FileInstall cannot install it and logs why
            }
        }).transform(v -> v.isEmpty() ? null : v);
    }

    private ServiceReference<?> first(String filter) {
        try {
            ServiceReference<?>[] refs = context.getAllServiceReferences(null, filter);
            return refs == null || refs.length == 0 ? null : refs[0];
        } catch (InvalidSyntaxException e) {
            throw new IllegalArgumentException(e);
        }
    }
}
