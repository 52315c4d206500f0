package org.sessionstore.registry.shell.karaf;

import java.util.ArrayList;
import java.util.List;

import org.apache.karaf.shell.api.action.lifecycle.Reference;
import org.apache.karaf.shell.api.action.lifecycle.Service;
import org.apache.karaf.shell.api.console.Candidate;
import org.apache.karaf.shell.api.console.CommandLine;
import org.apache.karaf.shell.api.console.Completer;
import org.apache.karaf.shell.api.console.Session;
import org.sessionstore.registry.shell.StoreCommands;

/**
 * Completes a {@code use} setting with {@code key=}, for the keys of the type given before it (as
 * its bundle describes them with Metatype) and the registry's own keys. A key already given on the
 * line is not offered again; after {@code key=} the word as typed is the only candidate (a value is
 * the user's).
 */
@Service
public class KeyCompleter implements Completer {

    @Reference
    StoreCommands commands;

    @Override
    public int complete(Session session, CommandLine commandLine, List<String> candidates) {
        List<Candidate> found = new ArrayList<>();
        completeCandidates(session, commandLine, found);
        found.forEach(c -> candidates.add(c.value()));
        return candidates.isEmpty() ? -1 : commandLine.getBufferPosition() - commandLine.getArgumentPosition();
    }

    @Override
    public void completeCandidates(Session session, CommandLine commandLine, List<Candidate> candidates) {
        String[] args = commandLine.getArguments();
        int cursor = commandLine.getCursorArgumentIndex();
        String typed = cursor >= 0 && cursor < args.length
                ? args[cursor].substring(0, Math.min(commandLine.getArgumentPosition(), args[cursor].length())) : "";
        if (typed.contains("=")) {
            // a value is the user's: offer the word as typed, which is also how Karaf checks the words
            // before the cursor (each must be a candidate of its own completer to count as given)
            candidates.add(new Candidate(typed, true));
            return;
        }
        String type = null;
        List<String> given = new ArrayList<>();
        for (int i = 0; i < args.length; i++) {
            String a = args[i];
            if (i == cursor || a.startsWith("-") || a.equals("use") || a.endsWith(":use")) {
                continue;
            }
            if (type == null && !a.contains("=")) {
                type = a;
            } else if (a.contains("=")) {
                given.add(a.substring(0, a.indexOf('=')));
            }
        }
        if (type == null) {
            return;
        }
        for (String key : commands.keyNames(type)) {
            if (key.startsWith(typed) && !given.contains(key)) {
                // not complete: the value follows the '=' with no space
                candidates.add(new Candidate(key + "=", key + "=", null, null, null, null, false));
            }
        }
    }
}
