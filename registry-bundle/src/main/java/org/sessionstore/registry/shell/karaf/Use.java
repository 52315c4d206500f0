package org.sessionstore.registry.shell.karaf;

import java.util.List;

import org.apache.karaf.shell.api.action.Argument;
import org.apache.karaf.shell.api.action.Command;
import org.apache.karaf.shell.api.action.Completion;
import org.apache.karaf.shell.api.action.Option;
import org.apache.karaf.shell.api.action.lifecycle.Service;

@Command(scope = "sessionstore", name = "use", description = "Make TYPE the active store, with its settings as key=value"
        + " (for example: use redis addr=127.0.0.1:6379 ttl=24h; the registry's swap_timeout and clean_interval too)."
        + " The entries of an in-process store are always migrated; --migrate also copies those of a shared one."
        + " Give a password as a reference ($[secret:NAME] or $[env:NAME]): Karaf keeps typed lines in its history.")
@Service
public class Use extends StoreAction {

    @Option(name = "-m", aliases = "--migrate", description = "also copy the live sessions and states of a shared store"
            + " (such as redis) into the new one")
    boolean migrate;

    @Argument(index = 0, name = "type", required = true, description = "the store type, see sessionstore:types")
    @Completion(TypeCompleter.class)
    String type;

    @Argument(index = 1, name = "settings", multiValued = true, description = "the backend's settings, key=value")
    @Completion(KeyCompleter.class)
    List<String> settings;

    @Override
    Object run() {
        return commands.use(migrate, type, settings == null ? new String[0] : settings.toArray(String[]::new));
    }
}
