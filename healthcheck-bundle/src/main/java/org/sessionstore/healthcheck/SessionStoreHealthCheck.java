package org.sessionstore.healthcheck;

import org.apache.felix.hc.api.HealthCheck;
import org.apache.felix.hc.api.Result;
import org.osgi.service.component.annotations.Activate;
import org.osgi.service.component.annotations.Component;
import org.osgi.service.component.annotations.Reference;
import org.sessionstore.api.SessionStore;
import org.sessionstore.api.StoreHealth;
import org.sessionstore.api.StoreRegistry;

/**
 * The session store as a Felix Health Check ({@code hc.tags=sessionstore}): OK when a backend
 * serves and answers a cheap probe call in time, WARN while the configured type is missing or
 * pending or when the probe is slow, CRITICAL when the backend does not answer or its
 * configuration was refused; the message is the line {@code sessionstore:health} prints (the
 * same {@link StoreHealth}), with the probe's round trip. Install it with the Felix Health Check
 * bundles ({@code org.apache.felix.healthcheck.api} and, for {@code hc:exec} and the servlet,
 * {@code .core}).
 */
@Component(property = {HealthCheck.NAME + "=Session Store", HealthCheck.TAGS + "=sessionstore"})
public class SessionStoreHealthCheck implements HealthCheck {

    private final StoreRegistry registry;
    private final SessionStore store;

    @Activate
    public SessionStoreHealthCheck(@Reference StoreRegistry registry,
            @Reference(target = "(" + StoreRegistry.FRONT_PROPERTY + "=true)") SessionStore store) {
        this.registry = registry;
        this.store = store;
    }

    @Override
    public Result execute() {
        StoreHealth.Result r = registry.health();
        Result.Status status = switch (r.status()) {
            case OK -> Result.Status.OK;
            case WARN -> Result.Status.WARN;
            case CRITICAL -> Result.Status.CRITICAL;
        };
        return new Result(status, r.line());
    }
}
