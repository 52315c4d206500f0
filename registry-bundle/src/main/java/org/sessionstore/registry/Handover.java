package org.sessionstore.registry;

import java.lang.System.Logger;
import java.lang.System.Logger.Level;
import java.util.Hashtable;
import java.util.List;
import java.util.concurrent.atomic.AtomicReference;

import org.osgi.framework.BundleContext;
import org.osgi.framework.InvalidSyntaxException;
import org.osgi.framework.ServiceReference;
import org.sessionstore.api.Redaction;
import org.sessionstore.api.Session;
import org.sessionstore.api.StateEntry;

/**
 * A handover across a restart of the registry bundle (an update, a stop and start while the
 * framework runs): the live entries of an in-process store go to the registry's next instance
 * through a service of the system bundle that holds only JDK and API objects (the next instance
 * runs other classes of this bundle).
 */
final class Handover {

    private static final Logger LOG = System.getLogger("org.sessionstore.registry");
    /** Property of the system-bundle service that carries in-process entries to the registry's next instance. */
    static final String PROPERTY = "sessionstore.handover";

    private Handover() {
    }

    /** The entries a previous instance of this bundle handed over, if any. */
    @SuppressWarnings("unchecked")
    static KeptEntries take(BundleContext context) {
        try {
            BundleContext system = context.getBundle(0).getBundleContext();
            ServiceReference<?>[] refs = system.getServiceReferences(AtomicReference.class.getName(),
                    "(" + PROPERTY + "=true)");
            KeptEntries taken = null;
            for (ServiceReference<?> ref : refs == null ? new ServiceReference<?>[0] : refs) {
                AtomicReference<Object[]> box = (AtomicReference<Object[]>) system.getService(ref);
                Object[] handed = box == null ? null : box.getAndSet(null);
                system.ungetService(ref);
                if (handed != null) {
                    taken = KeptEntries.of((String) handed[0], (List<Session>) handed[1], (List<StateEntry>) handed[2]);
                }
            }
            return taken;
        } catch (InvalidSyntaxException | RuntimeException e) {
            LOG.log(Level.ERROR, "the entries handed over by the previous session store registry could not be taken: "
                    + Redaction.printable(String.valueOf(e)));
            return null;
        }
    }

    /** Hands live in-process entries to the next instance, through a service of the system bundle. */
    static void give(BundleContext context, KeptEntries entries) {
        if (entries == null || entries.size() == 0) {
            return;
        }
        try {
            BundleContext system = context.getBundle(0).getBundleContext();
            Hashtable<String, Object> props = new Hashtable<>();
            props.put(PROPERTY, Boolean.TRUE);
            system.registerService(AtomicReference.class.getName(), new AtomicReference<>(entries.asHandover()), props);
            LOG.log(Level.WARNING, "the session store registry stops with {0} sessions and states of the {1} store in"
                    + " memory; they are kept for its next start", String.valueOf(entries.size()), entries.type());
        } catch (RuntimeException e) {
            LOG.log(Level.ERROR, "the session store registry could not keep its {0} in-process sessions and states: {1}",
                    String.valueOf(entries.size()), Redaction.printable(String.valueOf(e)));
        }
    }
}
