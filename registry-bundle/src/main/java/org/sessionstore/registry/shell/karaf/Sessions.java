package org.sessionstore.registry.shell.karaf;

import org.apache.karaf.shell.api.action.Argument;
import org.apache.karaf.shell.api.action.Command;
import org.apache.karaf.shell.api.action.Completion;
import org.apache.karaf.shell.api.action.Option;
import org.apache.karaf.shell.api.action.lifecycle.Service;

@Command(scope = "sessionstore", name = "sessions", description = "List a subject's live sessions, newest first: id,"
        + " issued, expires, last seen, sid (never a token).")
@Service
public class Sessions extends StoreAction {

    @Option(name = "--offset", description = "how many of the newest to skip")
    int offset;

    @Option(name = "--limit", description = "the most to show (1 to 1000)")
    int limit = 20;

    @Completion(SubjectCompleter.class)
    @Argument(index = 0, name = "sub", required = true, description = "the subject")
    String sub;

    @Override
    Object run() {
        return commands.sessions(offset, limit, sub);
    }
}
