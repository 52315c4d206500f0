package org.sessionstore.registry.shell.karaf;

import org.apache.karaf.shell.api.action.Command;
import org.apache.karaf.shell.api.action.lifecycle.Service;

@Command(scope = "sessionstore", name = "count", description = "Count the live sessions.")
@Service
public class Count extends StoreAction {

    @Override
    Object run() {
        return commands.count();
    }
}
