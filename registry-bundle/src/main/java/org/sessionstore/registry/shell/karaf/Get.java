package org.sessionstore.registry.shell.karaf;

import org.apache.karaf.shell.api.action.Argument;
import org.apache.karaf.shell.api.action.Command;
import org.apache.karaf.shell.api.action.lifecycle.Service;

@Command(scope = "sessionstore", name = "get", description = "Show a session; its tokens are never printed.")
@Service
public class Get extends StoreAction {

    @Argument(index = 0, name = "id", required = true, description = "the session id")
    String id;

    @Override
    Object run() {
        return commands.get(id);
    }
}
