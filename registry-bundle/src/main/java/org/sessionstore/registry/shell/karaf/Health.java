package org.sessionstore.registry.shell.karaf;

import org.apache.karaf.shell.api.action.Command;
import org.apache.karaf.shell.api.action.lifecycle.Service;

@Command(scope = "sessionstore", name = "health", description = "The store's health: OK, WARN (waiting, pending, slow) or"
        + " CRITICAL (unavailable, refused), with a probe's round trip. CRITICAL is a failure (exit status 1 over SSH),"
        + " so a liveness probe can run it.")
@Service
public class Health extends StoreAction {

    @Override
    Object run() {
        return commands.health();
    }
}
