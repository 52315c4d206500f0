package org.sessionstore.registry.shell.karaf;

import org.apache.karaf.shell.api.action.Argument;
import org.apache.karaf.shell.api.action.Command;
import org.apache.karaf.shell.api.action.Option;
import org.apache.karaf.shell.api.action.lifecycle.Service;

@Command(scope = "sessionstore", name = "add", description = "Add a session that lives TTL (default 1h); --access-token"
        + " and --id-token give it tokens, which are never printed.")
@Service
public class Add extends StoreAction {

    @Option(name = "--access-token", description = "the session's access token", censor = true)
    String accessToken = "";

    @Option(name = "--id-token", description = "the session's ID token", censor = true)
    String idToken = "";

    @Option(name = "--sid", description = "the identity provider's session id (OIDC sid)")
    String sid = "";

    @Argument(index = 0, name = "id", required = true, description = "the session id")
    String id;

    @Argument(index = 1, name = "username", required = true, description = "the user name (also the subject)")
    String username;

    @Argument(index = 2, name = "ttl", description = "the lifetime, such as 30m, 2h30m or 90s", valueToShowInHelp = "1h")
    String ttl = "1h";

    @Override
    Object run() {
        return commands.add(accessToken, idToken, sid, id, username, ttl);
    }
}
