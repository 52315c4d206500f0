package org.sessionstore.registry.shell;

import java.util.Hashtable;

import org.osgi.framework.BundleContext;
import org.osgi.framework.Constants;
import org.osgi.framework.ServiceRegistration;
import org.osgi.framework.wiring.BundleRevision;
import org.osgi.framework.wiring.BundleWire;
import org.osgi.framework.wiring.BundleWiring;

/**
 * The Gogo functions of {@link StoreCommands}, published where Karaf's action API is not wired to
 * this bundle (in Karaf, its extender registers the Karaf-native actions instead, so each command
 * exists once), and at most one registration per bundle revision whatever DS does: a component
 * disabled and enabled back to back could be deactivated after its successor was activated, and
 * Gogo, which tracks commands by name, then dropped the successor's commands with the old ones
 * (found in review). So a publication first takes down any registration still standing, and a
 * withdrawal takes down only its own. Guarded by this class.
 */
final class GogoPublication {

    /** The package of Karaf's action API: wired to this bundle only in Karaf. */
    static final String KARAF_ACTIONS = "org.apache.karaf.shell.api.action.lifecycle";

    private static ServiceRegistration<?> current;
    private final ServiceRegistration<?> mine;

    private GogoPublication(ServiceRegistration<?> mine) {
        this.mine = mine;
    }

    /** Publishes {@code commands}' functions in scope sessionstore (unless Karaf registers its actions). */
    static GogoPublication publish(BundleContext context, Object commands, String[] functions) {
        if (karafActionsWired(context)) {
            return new GogoPublication(null);
        }
        Hashtable<String, Object> props = new Hashtable<>();
        props.put("osgi.command.scope", "sessionstore");
        props.put("osgi.command.function", functions.clone());
        props.put(Constants.SERVICE_DESCRIPTION, "Session Store: the sessionstore: commands");
        synchronized (GogoPublication.class) {
            unregister(current);
            current = context.registerService(Object.class, commands, props);
            return new GogoPublication(current);
        }
    }

    /** Takes down this publication, if it is still the one standing. */
    void withdraw() {
        synchronized (GogoPublication.class) {
            if (mine != null && current == mine) {
                unregister(current);
                current = null;
            }
        }
    }

    private static void unregister(ServiceRegistration<?> r) {
        if (r != null) {
            try {
                r.unregister();
            } catch (IllegalStateException gone) {
                // the bundle stops: the framework took it down already
            }
        }
    }

    /** Whether Karaf's action API is wired to this bundle (so Karaf registers the actions of the karaf package). */
    static boolean karafActionsWired(BundleContext context) {
        BundleWiring wiring = context.getBundle().adapt(BundleWiring.class);
        if (wiring == null) {
            return false;
        }
        for (BundleWire w : wiring.getRequiredWires(BundleRevision.PACKAGE_NAMESPACE)) {
            if (KARAF_ACTIONS.equals(w.getCapability().getAttributes().get(BundleRevision.PACKAGE_NAMESPACE))) {
                return true;
            }
        }
        return false;
    }
}
