package org.sessionstore.console;

import java.io.FileDescriptor;
import java.io.FileOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.Collection;
import java.util.HashSet;
import java.util.Hashtable;
import java.util.Set;
import java.util.function.IntConsumer;

import org.apache.felix.fileinstall.ArtifactInstaller;
import org.apache.felix.service.command.CommandProcessor;
import org.apache.felix.service.command.Converter;
import org.osgi.framework.Bundle;
import org.osgi.framework.BundleActivator;
import org.osgi.framework.BundleContext;
import org.osgi.framework.Constants;
import org.osgi.framework.InvalidSyntaxException;
import org.osgi.framework.ServiceReference;
import org.osgi.framework.hooks.resolver.ResolverHookFactory;
import org.osgi.util.tracker.ServiceTracker;

/**
 * The runnable jar's console bundle. It starts at a lower start level than FileInstall, so that
 * before anything is read from {@code deploy/}:
 * <ul>
 * <li>the guards stand: {@link DeployGuard} (FileInstall asks it first about each file) and
 * {@link CoreGuard} (a resolver hook), both knowing the shipped bundles as those the launcher
 * installed from the folder named by the framework property {@value #SYSTEM_DIR};</li>
 * <li>Felix's bundle commands get their {@link BundleConverter}.</li>
 * </ul>
 * Then, if the launcher offers its exit service (an {@link IntConsumer} with
 * {@value #EXIT_PROPERTY}{@code =true}: what it is told is the process's exit status so far), a
 * thread waits at the {@link StartupGate}, runs the {@link Console} on standard input and at its
 * end stops the framework, which ends the process with that status. In any other framework (no
 * exit service) the bundle only guards.
 */
public final class ConsoleActivator implements BundleActivator {

    /** The framework property naming the folder the launcher installed the shipped bundles from. */
    static final String SYSTEM_DIR = "sessionstore.system";
    /** The property of the launcher's exit service. */
    static final String EXIT_PROPERTY = "sessionstore.exit";

    /**
     * Set (a system property, so it outlives this bundle's class loader) once a console has started
     * in this process: stdin has one reader. A console bundle started again (updated, or refreshed
     * with the Gogo runtime) starts no second one.
     */
    static final String STARTED = "sessionstore.console.started";

    private volatile Console console;
    private volatile Thread thread;
    private volatile LogBridge logs;

    @Override
    public void start(BundleContext context) throws InvalidSyntaxException {
        Set<String> names = new HashSet<>();
        Set<Long> ids = new HashSet<>();
        String system = context.getProperty(SYSTEM_DIR);
        String prefix = system == null ? null : Path.of(system).toUri().toString();
        for (Bundle b : context.getBundles()) {
            if (b.getBundleId() == 0 || prefix != null && b.getLocation().startsWith(prefix)) {
                names.add(b.getSymbolicName());
                ids.add(b.getBundleId());
            }
        }
        names.add(Constants.SYSTEM_BUNDLE_SYMBOLICNAME); // the framework's alias: an extension names its host so
        context.registerService(ResolverHookFactory.class, new CoreGuard(Set.copyOf(names), Set.copyOf(ids)), null);
        String deploy = context.getProperty("sessionstore.deploy");
        DeployGuard guard = deploy == null ? null : new DeployGuard(Path.of(deploy), Set.copyOf(names));
        if (guard != null) {
            Hashtable<String, Object> props = new Hashtable<>();
            props.put(Constants.SERVICE_RANKING, Integer.MAX_VALUE);
            props.put(Constants.SERVICE_DESCRIPTION, "Session Store: guards deploy/");
            context.registerService(ArtifactInstaller.class, guard, props);
        }
        Hashtable<String, Object> converter = new Hashtable<>();
        converter.put("osgi.converter.classes", new String[] {Bundle.class.getName()});
        context.registerService(Converter.class, new BundleConverter(context), converter);

        Collection<ServiceReference<IntConsumer>> exits = context.getServiceReferences(IntConsumer.class,
                "(" + EXIT_PROPERTY + "=true)");
        if (exits.isEmpty() || deploy == null) {
            return; // not the runnable jar: no console of ours
        }
        logs = new LogBridge(context);
        logs.open();
        if (System.getProperty(STARTED) != null) {
            System.getLogger("org.sessionstore.console").log(System.Logger.Level.WARNING, "the console bundle started"
                    + " again; the console that runs keeps standard input and ends the process when its command returns");
            return;
        }
        System.setProperty(STARTED, "true");
        IntConsumer exit = context.getService(exits.iterator().next());
        Bundle framework = context.getBundle(Constants.SYSTEM_BUNDLE_LOCATION);
        Thread t = new Thread(() -> runConsole(context, exit, framework, Path.of(deploy), guard), "sessionstore-console");
        t.setDaemon(true);
        thread = t;
        t.start();
    }

    private void runConsole(BundleContext context, IntConsumer exit, Bundle framework, Path deploy, DeployGuard guard) {
        // the process's own streams, UTF-8 whatever the platform's charset: Gogo routes System.out
        // and System.err per thread, and a session on those routers would print back into itself
        PrintStream out = new PrintStream(new FileOutputStream(FileDescriptor.out), true, StandardCharsets.UTF_8);
        PrintStream err = new PrintStream(new FileOutputStream(FileDescriptor.err), true, StandardCharsets.UTF_8);
        int status = 1;
        ServiceTracker<CommandProcessor, CommandProcessor> processors = new ServiceTracker<>(context,
                CommandProcessor.class, null);
        processors.open();
        try {
            new StartupGate(context, deploy, guard).await();
            CommandProcessor processor = processors.getService();
            if (processor == null) {
                err.println("error: the Gogo runtime (org.apache.felix.gogo.runtime) is not running; no console");
            } else {
                Console c = new Console(processor, exit, () -> commandNames(context, "(osgi.command.scope=sessionstore)", false),
                        () -> commandNames(context, "(osgi.command.scope=*)", true));
                console = c;
                context.addFrameworkListener(e -> {
                    if (e.getType() == org.osgi.framework.FrameworkEvent.PACKAGES_REFRESHED) {
                        c.refreshed();
                    }
                });
                status = c.run(System.in, out, err);
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            return; // the framework stops while the console waits at the gate: the launcher ends the process
        } catch (Exception | Error e) {
            err.println("error: the console ended: " + Console.oneLine(e));
        } finally {
            try {
                processors.close();
            } catch (IllegalStateException stopped) {
                // this bundle was stopped by a command: its context is gone, nothing to close
            }
        }
        exit.accept(status);
        try {
            framework.stop(); // the launcher exits with the status once the framework has stopped
        } catch (Exception | Error e) {
            err.println("error: the framework did not stop: " + Console.oneLine(e));
        }
    }

    /** The names of the published commands that {@code filter} selects, also as scope:name when {@code scoped}. */
    private static Set<String> commandNames(BundleContext context, String filter, boolean scoped) {
        Set<String> names = new java.util.TreeSet<>();
        try {
            ServiceReference<?>[] refs = context.getAllServiceReferences(null, filter);
            for (ServiceReference<?> r : refs == null ? new ServiceReference<?>[0] : refs) {
                Object f = r.getProperty("osgi.command.function");
                java.util.List<String> functions = f instanceof String[] a ? java.util.List.of(a)
                        : f == null ? java.util.List.of() : java.util.List.of(String.valueOf(f));
                for (String name : functions) {
                    names.add(name);
                    if (scoped) {
                        names.add(r.getProperty("osgi.command.scope") + ":" + name);
                    }
                }
            }
        } catch (InvalidSyntaxException | IllegalStateException e) {
            // no names: the line runs as typed
        }
        return names;
    }

    @Override
    public void stop(BundleContext context) {
        LogBridge l = logs;
        if (l != null) {
            l.close();
        }
        Thread t = thread;
        if (t == null) {
            return;
        }
        Console c = console;
        if (c != null) {
            // stopped by one of its own commands (stop, update, uninstall, a refresh of the Gogo runtime): the
            // command returns, and then the console ends the process, since nothing else reads standard input
            c.endAfterThisCommand();
        } else if (t != Thread.currentThread()) {
            t.interrupt(); // still at the startup gate (the framework stops): it returns without a status
        }
    }
}
