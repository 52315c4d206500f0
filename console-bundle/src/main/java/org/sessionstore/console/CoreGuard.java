package org.sessionstore.console;

import java.util.Collection;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.logging.Logger;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

import org.osgi.framework.hooks.resolver.ResolverHook;
import org.osgi.framework.hooks.resolver.ResolverHookFactory;
import org.osgi.framework.namespace.HostNamespace;
import org.osgi.framework.wiring.BundleCapability;
import org.osgi.framework.wiring.BundleRequirement;
import org.osgi.framework.wiring.BundleRevision;
import org.osgi.resource.Requirement;
import org.sessionstore.api.Redaction;

/**
 * The framework-level half of the {@code deploy/} guard: a resolver hook that never lets a bundle
 * resolve that carries the symbolic name of a bundle the distribution ships, or attaches as a
 * fragment to one, unless it is that shipped bundle itself. It catches what the installer-level
 * {@link DeployGuard} cannot see: a bundle FileInstall already installed and then updates in
 * place with such a jar, or a bundle installed from the console. Such a bundle stays installed
 * and never runs; each is logged once.
 */
final class CoreGuard implements ResolverHookFactory {

    private static final Logger LOG = Logger.getLogger("org.sessionstore.distribution");
    private static final Pattern HOST = Pattern.compile("\\(" + Pattern.quote(HostNamespace.HOST_NAMESPACE) + "=([^)]+)\\)");

    private final Set<String> shippedNames;
    private final Set<Long> shippedIds;
    private final Set<String> reported = ConcurrentHashMap.newKeySet();

    CoreGuard(Set<String> shippedNames, Set<Long> shippedIds) {
        this.shippedNames = shippedNames;
        this.shippedIds = shippedIds;
    }

    @Override
    public ResolverHook begin(Collection<BundleRevision> triggers) {
        return new ResolverHook() {
            @Override
            public void filterResolvable(Collection<BundleRevision> candidates) {
                candidates.removeIf(CoreGuard.this::refused);
            }

            @Override
            public void filterSingletonCollisions(BundleCapability singleton, Collection<BundleCapability> collisions) {
                // nothing to filter
            }

            @Override
            public void filterMatches(BundleRequirement requirement, Collection<BundleCapability> candidates) {
                // nothing to filter
            }

            @Override
            public void end() {
                // nothing held
            }
        };
    }

    boolean refused(BundleRevision r) {
        long id = r.getBundle().getBundleId();
        if (shippedIds.contains(id)) {
            return false;
        }
        String why = null;
        if (shippedNames.contains(r.getSymbolicName())) {
            why = "its symbolic name " + Redaction.printable(String.valueOf(r.getSymbolicName()))
                    + " belongs to a bundle the distribution ships";
        } else {
            for (Requirement req : r.getRequirements(HostNamespace.HOST_NAMESPACE)) {
                Matcher m = HOST.matcher(String.valueOf(req.getDirectives().get("filter")));
                if (m.find() && shippedNames.contains(m.group(1))) {
                    why = "it is a fragment of " + Redaction.printable(m.group(1)) + ", a bundle the distribution ships";
                }
            }
        }
        if (why != null && reported.add(id + "|" + r)) {
            LOG.warning("bundle " + id + " (" + Redaction.printable(r.getBundle().getLocation()) + ") is refused: " + why
                    + "; it stays installed and never resolves");
        }
        return why != null;
    }
}
