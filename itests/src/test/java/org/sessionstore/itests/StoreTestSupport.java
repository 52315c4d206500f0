package org.sessionstore.itests;

import static org.ops4j.pax.exam.CoreOptions.bundle;
import static org.ops4j.pax.exam.CoreOptions.cleanCaches;
import static org.ops4j.pax.exam.CoreOptions.junitBundles;
import static org.ops4j.pax.exam.CoreOptions.options;
import static org.ops4j.pax.exam.CoreOptions.systemProperty;

import java.io.File;
import java.io.IOException;
import java.time.Duration;
import java.util.Dictionary;
import java.util.Hashtable;
import java.util.function.BooleanSupplier;

import javax.inject.Inject;

import org.ops4j.pax.exam.Configuration;
import org.ops4j.pax.exam.Option;
import org.ops4j.pax.exam.util.Filter;
import org.osgi.framework.Bundle;
import org.osgi.framework.BundleContext;
import org.osgi.service.cm.ConfigurationAdmin;
import org.sessionstore.api.SessionStore;
import org.sessionstore.api.StoreRegistry;

/**
 * What every integration test shares: a Felix framework with SCR and ConfigAdmin, and the
 * bundles this reactor just built, installed from their {@code target/} jars.
 */
public abstract class StoreTestSupport {

    @Inject
    protected BundleContext context;

    @Inject
    protected ConfigurationAdmin configAdmin;

    @Inject
    protected StoreRegistry registry;

    /** The store the registry publishes, as consumers hold it. */
    @Inject
    @Filter("(" + StoreRegistry.FRONT_PROPERTY + "=true)")
    protected SessionStore store;

    /** A bundle this reactor built: module/target/module-VERSION.jar. */
    protected static String reactorBundle(String module) {
        File jar = new File(System.getProperty("itest.reactor"),
                module + "/target/" + module + "-" + System.getProperty("itest.version") + ".jar");
        if (!jar.isFile()) {
            throw new IllegalStateException(jar + " is missing; build the reactor first (mvn verify from the root)");
        }
        return jar.toURI().toString();
    }

    /** A container bundle copied by the build into target/bundles. */
    protected static String containerBundle(String artifactId) {
        return new File(System.getProperty("itest.bundles"), artifactId + ".jar").toURI().toString();
    }

    @Configuration
    public Option[] config() {
        return examOptions();
    }

    /** The options of the framework under test; subclasses add to them. */
    protected Option[] examOptions() {
        return options(
                systemProperty("org.slf4j.simpleLogger.defaultLogLevel").value("warn"),
                systemProperty("org.ops4j.pax.logging.DefaultServiceLog.level").value("WARN"),
                bundle(containerBundle("org.osgi.util.function")),
                bundle(containerBundle("org.osgi.util.promise")),
                bundle(containerBundle("org.osgi.service.component")),
                bundle(containerBundle("org.apache.felix.configadmin")),
                bundle(containerBundle("org.apache.felix.scr")),
                bundle(containerBundle("caffeine")),
                bundle(reactorBundle("api-bundle")),
                bundle(reactorBundle("memory-bundle")),
                bundle(reactorBundle("registry-bundle")),
                junitBundles(),
                cleanCaches());
    }

    /** Polls until {@code condition} holds, failing with {@code what} after {@code timeout}. */
    protected static void await(String what, Duration timeout, BooleanSupplier condition) throws InterruptedException {
        long deadline = System.nanoTime() + timeout.toNanos();
        while (!condition.getAsBoolean()) {
            if (System.nanoTime() > deadline) {
                throw new AssertionError("timed out after " + timeout + " waiting for: " + what);
            }
            Thread.sleep(20);
        }
    }

    protected Bundle installed(String symbolicName) {
        for (Bundle b : context.getBundles()) {
            if (symbolicName.equals(b.getSymbolicName())) {
                return b;
            }
        }
        throw new AssertionError("no bundle " + symbolicName);
    }

    protected boolean typeAvailable(String type) {
        return registry.types().stream().anyMatch(p -> p.type().equals(type));
    }

    /** Writes the store configuration (PID sessionstore) and waits until the registry applied it. */
    protected void configure(String type, String... keyValues) throws IOException, InterruptedException {
        Dictionary<String, Object> props = new Hashtable<>();
        props.put("type", type);
        for (int i = 0; i < keyValues.length; i += 2) {
            props.put(keyValues[i], keyValues[i + 1]);
        }
        configAdmin.getConfiguration(StoreRegistry.PID, "?").update(props);
        await("configuration of type " + type + " applied", Duration.ofSeconds(10), () -> {
            var s = registry.status();
            if (!s.type().equals(type)) {
                return false;
            }
            // a type some bundle provides is applied once it serves (or failed): not while the
            // registry still builds it or migrates into it
            if (s.state() == org.sessionstore.api.StoreStatus.State.WAITING && typeAvailable(type)) {
                return false;
            }
            for (int i = 0; i < keyValues.length; i += 2) {
                if (!keyValues[i + 1].equals(s.settings().get(keyValues[i]))) {
                    return false;
                }
            }
            return true;
        });
    }
}
