package org.sessionstore.distribution;

import java.io.IOException;
import java.io.InputStream;
import java.io.PrintStream;
import java.net.URI;
import java.net.URISyntaxException;
import java.nio.file.FileSystem;
import java.nio.file.FileSystems;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.stream.Stream;

import org.apache.felix.framework.FrameworkFactory;
import org.osgi.framework.Bundle;
import org.osgi.framework.BundleContext;
import org.osgi.framework.BundleException;
import org.osgi.framework.Constants;
import org.osgi.framework.launch.Framework;

/**
 * {@code java -jar session-store.jar}: starts Apache Felix with the bundles packed in this jar
 * (under {@code bundles/}), waits until the session store and its {@code sessionstore:} commands
 * are published, then runs the Gogo console on standard input. At the end of input the framework
 * stops and the process exits: status 0 if every command succeeded, 1 if any failed.
 *
 * <p>Folders, relative to {@code sessionstore.home} (default: the working directory), each
 * overridable by a system property: {@code deploy/} ({@code sessionstore.deploy}) — jars dropped
 * here are installed and started; {@code etc/} ({@code sessionstore.etc}) — {@code .cfg} and
 * {@code .config} files go to ConfigAdmin ({@code etc/sessionstore.cfg} is the store's
 * configuration); {@code data/} ({@code sessionstore.data}) — the framework cache, rebuilt at each
 * start, and ConfigAdmin's saved configurations, which are kept.
 */
public final class Launcher {

    private Launcher() {
    }

    public static void main(String[] args) {
        int status;
        try {
            status = run();
        } catch (Throwable t) {
            // whatever happened (an OutOfMemoryError included), one line and an exit status, never a hang
            System.err.println("error: " + GogoConsole.oneLine(t));
            if (Boolean.getBoolean("sessionstore.console.trace")) {
                t.printStackTrace();
            }
            status = 1;
        }
        System.exit(status);
    }

    private static int run() throws Exception {
        // the process's own streams: Gogo replaces System.out/err with per-thread routers, and a
        // session whose streams were those routers would route its output back to itself
        // UTF-8 whatever the platform's charset (LANG=C included), like the input
        PrintStream stdout = new PrintStream(new java.io.FileOutputStream(java.io.FileDescriptor.out), true,
                java.nio.charset.StandardCharsets.UTF_8);
        PrintStream stderr = new PrintStream(new java.io.FileOutputStream(java.io.FileDescriptor.err), true,
                java.nio.charset.StandardCharsets.UTF_8);
        // what the framework's bundles print goes through watches, so the console can tell a
        // built-in command that printed its failure and returned normally
        OutputWatch systemOut = new OutputWatch(stdout);
        OutputWatch systemErr = new OutputWatch(stderr);
        System.setOut(new PrintStream(systemOut, true, java.nio.charset.StandardCharsets.UTF_8));
        System.setErr(new PrintStream(systemErr, true, java.nio.charset.StandardCharsets.UTF_8));
        System.setProperty("java.util.logging.SimpleFormatter.format", "%4$s %3$s: %5$s%6$s%n");
        logTo(stderr);
        if (System.getProperty("org.slf4j.simpleLogger.defaultLogLevel") == null) {
            System.setProperty("org.slf4j.simpleLogger.defaultLogLevel", "warn");
        }
        Path home = Path.of(System.getProperty("sessionstore.home", ".")).toAbsolutePath().normalize();
        Path deploy = folder("sessionstore.deploy", home.resolve("deploy"));
        Path etc = folder("sessionstore.etc", home.resolve("etc"));
        Path dataDir = Path.of(System.getProperty("sessionstore.data", home.resolve("data").toString())).toAbsolutePath()
                .normalize();
        DataPermissions.create(dataDir);
        Path data = folder("sessionstore.data", dataDir);
        Path secrets = Path.of(System.getProperty("sessionstore.secrets", etc.resolve("secrets").toString()))
                .toAbsolutePath().normalize();
        DataPermissions.create(secrets);

        writing(etc, "-Dsessionstore.etc", () -> writeDeployWatcher(etc, deploy));

        Map<String, String> props = new HashMap<>();
        props.put(Constants.FRAMEWORK_STORAGE, data.resolve("felix-cache").toString());
        props.put(Constants.FRAMEWORK_STORAGE_CLEAN, Constants.FRAMEWORK_STORAGE_CLEAN_ONFIRSTINIT);
        props.put("felix.cm.dir", data.resolve("config").toString());
        // secrets by reference: $[env:NAME] and $[secret:NAME] (a file in etc/secrets) are resolved by the
        // interpolation plugin when ConfigAdmin delivers a configuration, never before it stores one
        props.put("felix.cm.config.plugins", "org.apache.felix.configadmin.plugin.interpolation");
        props.put("org.apache.felix.configadmin.plugin.interpolation.secretsdir", secrets.toString());
        props.put("org.apache.felix.configadmin.plugin.interpolation.file.encoding", "UTF-8");
        props.put("felix.fileinstall.dir", etc.toString());
        props.put("felix.fileinstall.poll", "1000");
        props.put("felix.fileinstall.noInitialDelay", "true");
        props.put("felix.fileinstall.log.level", "2");
        // FileInstall's own failures (a .cfg it cannot parse, a jar it cannot install) go to the log,
        // one line each on standard error, never a stack trace into the command output
        props.put("felix.fileinstall.log.default", "jul");
        // etc/ files are the operator's: FileInstall reads them and never writes them back
        props.put("felix.fileinstall.enableConfigSave", "false");
        // Event Admin: errors only (its warning when the framework stops while it delivers is noise)
        props.put("org.apache.felix.eventadmin.LogLevel", "1");
        props.put("ds.loglevel", "warn");
        props.put("sessionstore.deploy", deploy.toString());
        props.put("sessionstore.etc", etc.toString());
        if (System.getProperty("sessionstore.yaml") != null) {
            props.put("sessionstore.yaml", System.getProperty("sessionstore.yaml"));
        }
        for (String name : System.getProperties().stringPropertyNames()) {
            if (name.startsWith("felix.") || name.startsWith("org.osgi.") || name.startsWith("ds.")) {
                props.put(name, System.getProperty(name));
            }
        }

        Framework framework = new FrameworkFactory().newFramework(props);
        writing(data.resolve("felix-cache"), "-Dsessionstore.data", framework::init);
        // what ConfigAdmin saves (a password given in clear to 'use', say) is this user's only; after
        // init, as it cleans the framework cache
        DataPermissions.restrict(data.resolve("config"), data.resolve("felix-cache"), data.resolve("system"));
        BundleContext context = framework.getBundleContext();
        List<Bundle> bundles = new ArrayList<>();
        writing(data, "-Dsessionstore.data", () -> bundles.addAll(installPackedBundles(context, data.resolve("system"))));
        framework.start();
        java.util.Set<String> shipped = new java.util.HashSet<>();
        java.util.Set<Long> shippedIds = new java.util.HashSet<>();
        for (Bundle b : context.getBundles()) {
            shipped.add(b.getSymbolicName());
            shippedIds.add(b.getBundleId());
        }
        // the core's names belong to the core: nothing else with them ever resolves
        context.registerService(org.osgi.framework.hooks.resolver.ResolverHookFactory.class,
                new CoreGuard(java.util.Set.copyOf(shipped), java.util.Set.copyOf(shippedIds)), null);
        for (Bundle b : bundles) {
            if ("org.apache.felix.fileinstall".equals(b.getSymbolicName())) {
                DeployGuard.register(context, b, deploy, shipped);
            }
        }
        // ConfigAdmin, then FileInstall, first: FileInstall reads etc/ while it starts, so the
        // configuration found there is in ConfigAdmin before any component is activated
        bundles.sort(java.util.Comparator.comparingInt(Launcher::startRank));
        for (Bundle b : bundles) {
            if (b.getHeaders().get(Constants.FRAGMENT_HOST) == null) {
                try {
                    b.start();
                } catch (BundleException e) {
                    System.err.println("error: bundle " + b.getSymbolicName() + " did not start: " + e.getMessage());
                }
            }
        }
        java.util.concurrent.atomic.AtomicBoolean consoleEnded = new java.util.concurrent.atomic.AtomicBoolean();
        GogoConsole console = new GogoConsole(context, systemOut, systemErr);
        // the framework stopped from inside (for example 'stop 0'): end the process too, with the status so far
        Thread stopWatcher = new Thread(() -> {
            try {
                framework.waitForStop(0);
                if (!consoleEnded.get()) {
                    System.exit(console.failed() ? 1 : 0);
                }
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
        }, "framework-stop-watcher");
        stopWatcher.setDaemon(true);

        new StartupGate(context, deploy).await();
        stopWatcher.start();
        int status = console.run(System.in, stdout, stderr);
        consoleEnded.set(true);
        framework.stop();
        framework.waitForStop(10_000);
        return status;
    }

    /**
     * Log records go to the process's standard error as they are, never through the streams a
     * command's output is read from (a warning logged while a command runs is not its failure).
     */
    private static void logTo(PrintStream stderr) {
        java.util.logging.Logger root = java.util.logging.Logger.getLogger("");
        for (java.util.logging.Handler h : root.getHandlers()) {
            root.removeHandler(h);
        }
        java.util.logging.StreamHandler handler = new java.util.logging.StreamHandler(stderr, new OneLineFormatter()) {
            @Override
            public synchronized void publish(java.util.logging.LogRecord r) {
                super.publish(r);
                flush();
            }
        };
        handler.setLevel(java.util.logging.Level.INFO);
        try {
            handler.setEncoding("UTF-8");
        } catch (java.io.UnsupportedEncodingException impossible) {
            throw new IllegalStateException(impossible);
        }
        root.addHandler(handler);
    }

    private static int startRank(Bundle b) {
        return switch (String.valueOf(b.getSymbolicName())) {
            case "org.apache.felix.configadmin" -> 0;
            case "org.osgi.util.function", "org.osgi.util.converter", "slf4j.api", "slf4j.simple",
                    "org.apache.felix.configadmin.plugin.interpolation" -> 1;
            case "org.apache.felix.fileinstall" -> 2;
            default -> 3;
        };
    }

    /** A step that writes under a folder. */
    private interface Writing {
        void run() throws Exception;
    }

    /**
     * Runs a step that writes under {@code where}; a failure (a full disk, a folder that cannot be
     * written) names the folder, the cause and what to do, in one line.
     */
    private static void writing(Path where, String property, Writing step) throws IOException {
        try {
            step.run();
        } catch (Exception e) {
            Throwable root = e;
            while (root.getCause() != null && root.getCause() != root) {
                root = root.getCause();
            }
            String why = root == e ? String.valueOf(e.getMessage()) : e.getMessage() + " (" + root.getMessage() + ")";
            throw new IOException("cannot write under " + where + ": " + why + "; free space there (df -h " + where
                    + ") or give another folder with " + property + "=DIR", e);
        }
    }

    private static Path folder(String property, Path fallback) throws IOException {
        String v = System.getProperty(property);
        Path p = (v == null ? fallback : Path.of(v)).toAbsolutePath().normalize();
        Files.createDirectories(p);
        return p;
    }

    /** FileInstall watches etc/ itself; this factory configuration makes it watch deploy/ too. */
    private static void writeDeployWatcher(Path etc, Path deploy) throws IOException {
        Path cfg = etc.resolve("org.apache.felix.fileinstall-deploy.cfg");
        if (!Files.exists(cfg)) {
            Files.writeString(cfg, String.join(System.lineSeparator(),
                    "# Makes FileInstall install and start the jars dropped into the deploy folder",
                    "# (the sessionstore.deploy property, default ./deploy).",
                    "felix.fileinstall.dir = ${sessionstore.deploy}",
                    "felix.fileinstall.poll = 1000",
                    "felix.fileinstall.noInitialDelay = true",
                    "felix.fileinstall.start.new.bundles = true",
                    ""));
        }
    }

    /** Copies the bundles packed under bundles/ to data/system and installs them from there. */
    private static List<Bundle> installPackedBundles(BundleContext context, Path target)
            throws IOException, URISyntaxException, BundleException {
        Files.createDirectories(target);
        URI source = Launcher.class.getProtectionDomain().getCodeSource().getLocation().toURI();
        List<Path> copied = new ArrayList<>();
        Path location = Path.of(source);
        if (Files.isDirectory(location)) {
            copyJars(location.resolve("bundles"), target, copied);
        } else {
            try (FileSystem jar = FileSystems.newFileSystem(location)) {
                copyJars(jar.getPath("/bundles"), target, copied);
            }
        }
        List<Bundle> bundles = new ArrayList<>();
        for (Path p : copied) {
            bundles.add(context.installBundle(p.toUri().toString()));
        }
        return bundles;
    }

    private static void copyJars(Path from, Path to, List<Path> copied) throws IOException {
        try (Stream<Path> files = Files.list(from)) {
            // the store's own bundles first (the memory backend keeps bundle id 2), then the rest by name
            java.util.Comparator<Path> order = java.util.Comparator.comparingInt((Path f) -> switch (f.getFileName().toString()) {
                case "api-bundle.jar" -> 0;
                case "memory-bundle.jar" -> 1;
                case "registry-bundle.jar" -> 2;
                default -> 3;
            }).thenComparing(java.util.Comparator.naturalOrder());
            for (Path p : (Iterable<Path>) files.sorted(order)::iterator) {
                if (p.getFileName().toString().endsWith(".jar")) {
                    Path dest = to.resolve(p.getFileName().toString());
                    try (InputStream in = Files.newInputStream(p)) {
                        Files.copy(in, dest, StandardCopyOption.REPLACE_EXISTING);
                    }
                    copied.add(dest);
                }
            }
        }
    }
}
