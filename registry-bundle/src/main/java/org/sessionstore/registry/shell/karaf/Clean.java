package org.sessionstore.registry.shell.karaf;

import org.apache.karaf.shell.api.action.Command;
import org.apache.karaf.shell.api.action.lifecycle.Service;

@Command(scope = "sessionstore", name = "clean", description = "Remove expired sessions, and states past the store's"
        + " state_ttl.")
@Service
public class Clean extends StoreAction {

    @Override
    Object run() {
        return commands.clean();
    }
}
