package org.sessionstore.distribution;

import java.io.IOException;
import java.io.PrintStream;
import java.net.URISyntaxException;
import java.nio.file.FileSystem;
import java.nio.file.FileSystems;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.HashMap;
import java.util.Hashtable;
import java.util.Map;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.function.IntConsumer;

import org.apache.felix.framework.FrameworkFactory;
import org.osgi.framework.BundleContext;
import org.osgi.framework.Constants;
import org.osgi.framework.FrameworkEvent;
import org.osgi.framework.ServiceRegistration;
import org.osgi.framework.launch.Framework;

/**
 * {@code java -jar session-store.jar}: starts Apache Felix with the bundles packed in this jar
 * (under {@code bundles/}), each at the start level {@code startup.properties} gives it, and
 * nothing else. The console is a bundle ({@code org.sessionstore.console}): it waits until the
 * session store and its {@code sessionstore:} commands are published, runs the Gogo console on
 * standard input, tells the launcher's exit service (an {@link IntConsumer}) the exit status so far
 * and stops the framework at the end of its input; the process then exits with that status (0 if
 * every command succeeded, 1 if any failed), also when a command stopped the framework.
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
            System.err.println("error: " + OneLineFormatter.oneLine(t));
            if (Boolean.getBoolean("sessionstore.console.trace")) {
                t.printStackTrace();
            }
            status = 1;
        }
        System.exit(status);
    }

    private static int run() throws Exception {
        // UTF-8 whatever the platform's charset (LANG=C included), like the console's input
        PrintStream stderr = new PrintStream(new java.io.FileOutputStream(java.io.FileDescriptor.err), true,
                java.nio.charset.StandardCharsets.UTF_8);
        logTo(stderr);
        // SLF4J's simple logger (Jedis, ConfigAdmin's interpolation plugin): warnings and errors, one short line each
        for (String[] kv : new String[][] {{"defaultLogLevel", "warn"}, {"showThreadName", "false"},
                {"showShortLogName", "true"}, {"levelInBrackets", "false"}}) {
            if (System.getProperty("org.slf4j.simpleLogger." + kv[0]) == null) {
                System.setProperty("org.slf4j.simpleLogger." + kv[0], kv[1]);
            }
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

        Startup startup = Startup.read();
        Map<String, Object> props = frameworkProperties(data, etc, deploy, secrets, startup);
        boolean console = WebConsole.enabled(!"false".equals(props.get("org.apache.felix.http.enable")), secrets);
        if (console) {
            writing(etc, "-Dsessionstore.etc", () -> WebConsole.configure(etc, props));
        }
        @SuppressWarnings({"unchecked", "rawtypes"}) // Felix takes objects (its logger) in the map of properties
        Framework framework = new FrameworkFactory().newFramework((Map) props);
        writing(data.resolve("felix-cache"), "-Dsessionstore.data", framework::init);
        // what ConfigAdmin saves (a password given in clear to 'use', say) is this user's only; after
        // init, as it cleans the framework cache
        DataPermissions.restrict(data.resolve("config"), data.resolve("felix-cache"), data.resolve("system"));
        BundleContext context = framework.getBundleContext();
        writing(data, "-Dsessionstore.data", () -> startup.install(context, packedBundles(), data.resolve("system"),
                console ? java.util.Set.of() : java.util.Set.of(WebConsole.JAR)));
        // the console bundle tells what the exit status is so far, and stops the framework at the end of its input
        AtomicInteger status = new AtomicInteger();
        Hashtable<String, Object> exit = new Hashtable<>();
        exit.put("sessionstore.exit", "true");
        ServiceRegistration<IntConsumer> exits = context.registerService(IntConsumer.class, status::set, exit);
        framework.start(); // every packed bundle, level by level (Felix returns once the beginning level is reached)
        if (exits.getReference().getUsingBundles() == null) {
            System.err.println("error: no console: no bundle took the launcher's exit service (is the console bundle"
                    + " in bundles/ and did it start? see above)");
            framework.stop();
            framework.waitForStop(10_000);
            return 1;
        }
        FrameworkEvent stopped = framework.waitForStop(0);
        if (stopped.getType() == FrameworkEvent.STOPPED_UPDATE
                || stopped.getType() == FrameworkEvent.STOPPED_SYSTEM_REFRESHED) {
            // 'update 0', or an extension bundle installed: this launcher does not start the framework again
            System.err.println("error: the framework stopped to restart itself ('update 0', or an extension bundle);"
                    + " the process ends: start it again");
            return 1;
        }
        return status.get();
    }

    /** The framework's properties: folders, FileInstall, ConfigAdmin's secrets plugin, start levels. */
    private static Map<String, Object> frameworkProperties(Path data, Path etc, Path deploy, Path secrets, Startup startup) {
        Map<String, Object> props = new HashMap<>();
        props.put(Constants.FRAMEWORK_STORAGE, data.resolve("felix-cache").toString());
        props.put(Constants.FRAMEWORK_STORAGE_CLEAN, Constants.FRAMEWORK_STORAGE_CLEAN_ONFIRSTINIT);
        props.putAll(startup.frameworkProperties());
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
        // the framework's own messages: one line each on standard error (Felix's default is standard output)
        props.put("felix.log.logger", new FelixLog());
        props.put("sessionstore.etc", etc.toString());
        // the console bundle's guards take what was installed from here for the core
        props.put("sessionstore.system", data.resolve("system").toString());
        if (System.getProperty("sessionstore.yaml") != null) {
            props.put("sessionstore.yaml", System.getProperty("sessionstore.yaml"));
        }
        // HTTP (Felix HTTP on Jetty 12) is off until asked for: the standard port given (-Dorg.osgi.service.http.port)
        // or etc/org.apache.felix.http.cfg there at start; it listens on loopback unless org.apache.felix.http.host
        // says otherwise (in that file or as -D)
        if (System.getProperty("org.osgi.service.http.port") == null && !Files.exists(etc.resolve("org.apache.felix.http.cfg"))) {
            props.put("org.apache.felix.http.enable", "false");
            // and Felix HTTP's warning that Jetty is not started is no news then
            if (System.getProperty("org.slf4j.simpleLogger.log.org.apache.felix.http") == null) {
                System.setProperty("org.slf4j.simpleLogger.log.org.apache.felix.http", "error");
            }
        }
        props.put("org.apache.felix.http.host", "127.0.0.1");
        for (String name : System.getProperties().stringPropertyNames()) {
            if (name.startsWith("felix.") || name.startsWith("org.osgi.") || name.startsWith("ds.")
                    || name.startsWith("org.apache.felix.")) {
                props.put(name, System.getProperty(name));
            }
        }
        return props;
    }

    /**
     * Log records go to the process's standard error as they are, never through the streams a
     * command's output is read from (a warning logged while a command runs is not its failure).
     */
    /** Aries SPI Fly's notes on each provider it registers: warnings only (held: JUL keeps its loggers weakly). */
    private static final java.util.logging.Logger SPIFLY = java.util.logging.Logger.getLogger("org.apache.aries.spifly");

    private static void logTo(PrintStream stderr) {
        SPIFLY.setLevel(java.util.logging.Level.WARNING);
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
        // at a terminal, warnings and errors only (INFO lines would run into the prompt); piped, INFO too
        handler.setLevel(System.console() != null ? java.util.logging.Level.WARNING : java.util.logging.Level.INFO);
        try {
            handler.setEncoding("UTF-8");
        } catch (java.io.UnsupportedEncodingException impossible) {
            throw new IllegalStateException(impossible);
        }
        root.addHandler(handler);
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

    /** The folder (or, in the runnable jar, the jar's folder) that holds the packed bundles/. */
    private static Path packedBundles() throws IOException, URISyntaxException {
        Path location = Path.of(Launcher.class.getProtectionDomain().getCodeSource().getLocation().toURI());
        if (Files.isDirectory(location)) {
            return location.resolve("bundles");
        }
        FileSystem jar = FileSystems.newFileSystem(location); // open until the process ends: read as bundles install
        return jar.getPath("/bundles");
    }
}
