package org.sessionstore.registry.shell.karaf;

import java.util.List;

import org.apache.karaf.shell.api.action.lifecycle.Reference;
import org.apache.karaf.shell.api.action.lifecycle.Service;
import org.apache.karaf.shell.api.console.CommandLine;
import org.apache.karaf.shell.api.console.Completer;
import org.apache.karaf.shell.api.console.Session;
import org.apache.karaf.shell.support.completers.StringsCompleter;
import org.sessionstore.registry.shell.StoreCommands;

/**
 * Completes a subject with those of the active store that start with what is typed (at most 50;
 * {@code SessionStore.subjects}: Redis walks its keys with SCAN, bounded, PostgreSQL its table).
 */
@Service
public class SubjectCompleter implements Completer {

    @Reference
    StoreCommands commands;

    @Override
    public int complete(Session session, CommandLine commandLine, List<String> candidates) {
        String word = commandLine.getCursorArgument();
        String typed = word == null ? "" : word.substring(0, Math.min(commandLine.getArgumentPosition(), word.length()));
        return new StringsCompleter(commands.subjectNames(typed)).complete(session, commandLine, candidates);
    }
}
