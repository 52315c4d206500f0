package org.sessionstore.registry.shell.karaf;

import org.apache.karaf.shell.api.action.Command;
import org.apache.karaf.shell.api.action.lifecycle.Service;

@Command(scope = "sessionstore", name = "info", description = "Show the active store: type, state, provider, source and"
        + " settings (secrets as ***).")
@Service
public class Info extends StoreAction {

    @Override
    Object run() {
        return commands.info();
    }
}
