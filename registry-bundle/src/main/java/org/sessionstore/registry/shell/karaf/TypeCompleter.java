package org.sessionstore.registry.shell.karaf;

import java.util.List;

import org.apache.karaf.shell.api.action.lifecycle.Reference;
import org.apache.karaf.shell.api.action.lifecycle.Service;
import org.apache.karaf.shell.api.console.CommandLine;
import org.apache.karaf.shell.api.console.Completer;
import org.apache.karaf.shell.api.console.Session;
import org.apache.karaf.shell.support.completers.StringsCompleter;
import org.sessionstore.registry.shell.StoreCommands;

/** Completes a store type with the types the installed backends provide now. */
@Service
public class TypeCompleter implements Completer {

    @Reference
    StoreCommands commands;

    @Override
    public int complete(Session session, CommandLine commandLine, List<String> candidates) {
        return new StringsCompleter(commands.typeNames()).complete(session, commandLine, candidates);
    }
}
