package org.sessionstore.registry.shell.karaf;

import org.apache.karaf.shell.api.action.Argument;
import org.apache.karaf.shell.api.action.Command;
import org.apache.karaf.shell.api.action.Completion;
import org.apache.karaf.shell.api.action.Option;
import org.apache.karaf.shell.api.action.lifecycle.Service;

@Command(scope = "sessionstore", name = "revoke", description = "Remove every session of a subject (sign out everywhere),"
        + " but the one --except names; or, with --sid, every session of an identity provider's session (back-channel"
        + " logout).")
@Service
public class Revoke extends StoreAction {

    @Option(name = "--except", description = "the id of the subject's session to keep")
    String except = "";

    @Option(name = "--sid", description = "remove the sessions of this identity provider's session instead of a subject's")
    String sid = "";

    @Completion(SubjectCompleter.class)
    @Argument(index = 0, name = "sub", description = "the subject whose sessions go")
    String sub;

    @Override
    Object run() {
        if (!sid.isEmpty()) {
            if (sub != null || !except.isEmpty()) {
                throw new IllegalArgumentException("give either a subject (with --except) or --sid, not both");
            }
            return commands.revoke(sid);
        }
        if (sub == null) {
            throw new IllegalArgumentException("give a subject or --sid SID");
        }
        return commands.revoke(except, sub);
    }
}
