package org.sessionstore.registry.shell.karaf;

import org.apache.karaf.shell.api.action.Argument;
import org.apache.karaf.shell.api.action.Command;
import org.apache.karaf.shell.api.action.lifecycle.Service;

@Command(scope = "sessionstore", name = "revoke", description = "Remove every session of a subject (sign out everywhere).")
@Service
public class Revoke extends StoreAction {

    @Argument(index = 0, name = "sub", required = true, description = "the subject whose sessions go")
    String sub;

    @Override
    Object run() {
        return commands.revoke(sub);
    }
}
