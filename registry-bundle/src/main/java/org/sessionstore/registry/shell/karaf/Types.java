package org.sessionstore.registry.shell.karaf;

import org.apache.karaf.shell.api.action.Command;
import org.apache.karaf.shell.api.action.Option;
import org.apache.karaf.shell.api.action.lifecycle.Service;

@Command(scope = "sessionstore", name = "types", description = "List the available store types, the bundle and version"
        + " providing each; * marks the active one.")
@Service
public class Types extends StoreAction {

    @Option(name = "-v", aliases = "--verbose", description = "also list each type's keys with their defaults and"
            + " descriptions (from Metatype)")
    boolean verbose;

    @Override
    Object run() {
        return commands.types(verbose);
    }
}
