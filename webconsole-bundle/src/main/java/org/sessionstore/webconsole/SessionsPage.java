package org.sessionstore.webconsole;

import java.util.ArrayList;
import java.util.Hashtable;
import java.util.List;
import java.util.Set;
import java.util.stream.Collectors;

import org.osgi.framework.BundleContext;
import org.osgi.framework.ServiceRegistration;
import org.osgi.framework.namespace.PackageNamespace;
import org.osgi.framework.wiring.BundleWiring;
import org.osgi.service.component.annotations.Activate;
import org.osgi.service.component.annotations.Component;
import org.osgi.service.component.annotations.Deactivate;
import org.osgi.service.component.annotations.Reference;
import org.osgi.service.component.annotations.ReferenceCardinality;
import org.osgi.service.component.annotations.ReferencePolicy;
import org.osgi.service.component.annotations.ReferencePolicyOption;
import org.sessionstore.api.SessionStore;
import org.sessionstore.api.StoreMetrics;
import org.sessionstore.api.StoreRegistry;

/**
 * Publishes the "Sessions" page to the Felix Web Console as a plain servlet plugin (label
 * {@value #LABEL}: {@code /system/console/sessions}), for the servlet API this bundle was wired to:
 * Jakarta for Web Console 5 (the distribution, Felix HTTP on Jetty 12), javax for Web Console 4
 * (Karaf 4.4 on Pax Web 8), only when Jakarta is not wired. The adapter
 * classes are loaded only for a package that is wired, so a container with one API never sees the
 * other.
 */
@Component(immediate = true)
public class SessionsPage {

    static final String LABEL = "sessions";

    @Reference
    private StoreRegistry registry;

    @Reference(target = "(" + StoreRegistry.FRONT_PROPERTY + "=true)", cardinality = ReferenceCardinality.OPTIONAL,
            policy = ReferencePolicy.DYNAMIC, policyOption = ReferencePolicyOption.GREEDY)
    private volatile SessionStore store;

    @Reference(cardinality = ReferenceCardinality.OPTIONAL, policy = ReferencePolicy.DYNAMIC,
            policyOption = ReferencePolicyOption.GREEDY)
    private volatile StoreMetrics metrics;

    private final List<ServiceRegistration<?>> plugins = new ArrayList<>();

    @Activate
    void activate(BundleContext context) {
        Page page = new Page(registry, () -> store, () -> metrics);
        Set<String> wired = context.getBundle().adapt(BundleWiring.class).getRequiredWires(PackageNamespace.PACKAGE_NAMESPACE)
                .stream().map(w -> (String) w.getCapability().getAttributes().get(PackageNamespace.PACKAGE_NAMESPACE))
                .collect(Collectors.toSet());
        if (wired.contains("jakarta.servlet.http")) {
            plugins.add(context.registerService("jakarta.servlet.Servlet", new JakartaPlugin(page), properties()));
        }
        // javax only where Jakarta is not there: Web Console 5 warns of a javax plugin ("legacy")
        // beside its Jakarta twin; Web Console 4 (Karaf 4.4) has only javax
        if (wired.contains("javax.servlet.http") && !wired.contains("jakarta.servlet.http")) {
            plugins.add(context.registerService("javax.servlet.Servlet", new JavaxPlugin(page), properties()));
        }
    }

    @Deactivate
    void deactivate() {
        for (ServiceRegistration<?> r : plugins) {
            try {
                r.unregister();
            } catch (IllegalStateException gone) {
                // unregistered with the bundle already
            }
        }
        plugins.clear();
    }

    private static Hashtable<String, Object> properties() {
        Hashtable<String, Object> p = new Hashtable<>();
        p.put("felix.webconsole.label", LABEL);
        p.put("felix.webconsole.title", "Sessions");
        p.put("felix.webconsole.category", "Session Store");
        return p;
    }
}
