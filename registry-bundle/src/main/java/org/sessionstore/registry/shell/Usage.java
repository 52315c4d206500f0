package org.sessionstore.registry.shell;

import java.util.Map;

/** The {@code sessionstore:} commands' usage lines, for {@code --help}, {@code help} and wrong arguments. */
final class Usage {

    private Usage() {
    }

    /**
     * Each command's usage. A shell that asks a command for its help by running it with
     * {@code --help} (Karaf's {@code help sessionstore:X} does) gets this and nothing runs: without
     * it, {@code --help} was taken for an id, a type or a subject.
     */
    static final Map<String, String> OF = Map.ofEntries(
            Map.entry("types", "sessionstore:types [-v]: the available store types; -v also lists each type's keys"),
            Map.entry("info", "sessionstore:info: the active store, its state, provider, source and settings"),
            Map.entry("use", "sessionstore:use [--migrate] TYPE [key=value ...]: make TYPE the active store"),
            Map.entry("count", "sessionstore:count: the number of live sessions"),
            Map.entry("add", "sessionstore:add [--access-token T] [--id-token T] [--sid SID] ID USERNAME [TTL]: add a"
                    + " session (TTL such as 30m, default 1h)"),
            Map.entry("get", "sessionstore:get ID: show a session (tokens never printed)"),
            Map.entry("delete", "sessionstore:delete ID: delete a session"),
            Map.entry("health", "sessionstore:health: OK, WARN or CRITICAL with a probe's round trip"),
            Map.entry("revoke", "sessionstore:revoke [--except ID] SUB | sessionstore:revoke --sid SID: remove every session"
                    + " of the subject SUB (but ID), or of the identity provider's session SID"),
            Map.entry("sessions", "sessionstore:sessions [--offset N] [--limit N] SUB: the subject's live sessions, newest"
                    + " first (no token)"),
            Map.entry("clean", "sessionstore:clean: remove expired sessions and states past state_ttl"));
}
