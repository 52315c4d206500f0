package org.sessionstore.registry.shell;

import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;

import org.apache.felix.service.command.Descriptor;
import org.apache.felix.service.command.Parameter;
import org.osgi.framework.BundleContext;
import org.osgi.service.component.annotations.Activate;
import org.osgi.service.component.annotations.Component;
import org.osgi.service.component.annotations.Reference;
import org.osgi.service.component.annotations.ReferenceCardinality;
import org.osgi.service.component.annotations.ReferencePolicy;
import org.osgi.service.component.annotations.ReferencePolicyOption;
import org.osgi.service.metatype.MetaTypeService;
import org.sessionstore.api.Housekeeping;
import org.sessionstore.api.Migration;
import org.sessionstore.api.Redaction;
import org.sessionstore.api.Session;
import org.sessionstore.api.SessionStore;
import org.sessionstore.api.StoreProvider;
import org.sessionstore.api.StoreInfo;
import org.sessionstore.api.StoreMetrics;
import org.sessionstore.api.StoreRegistry;
import org.sessionstore.api.StoreStatus;
import org.sessionstore.api.config.Durations;

/**
 * The {@code sessionstore:} commands. Each returns its output as a String; a misuse throws an
 * {@link IllegalArgumentException} whose message says what is expected. Tokens and secrets are
 * never printed.
 *
 * <p>Two shells run them. In a Gogo shell (Felix, the runnable jar) this component publishes
 * itself with the {@code osgi.command.*} properties, and Gogo prints what each returns. In Karaf,
 * the Karaf-native actions of {@code org.sessionstore.registry.shell.karaf} call these methods
 * (they give Karaf's help, completion and output over SSH); so that each command exists once, the
 * Gogo functions are then not published. Which shell is there is read from this bundle's wiring
 * ({@link GogoPublication}).
 */
@Component(service = StoreCommands.class, immediate = true)
public class StoreCommands {

    /** The command names, as published to Gogo. */
    static final String[] FUNCTIONS = {"types", "info", "use", "count", "add", "get", "delete", "clean", "revoke", "health",
        "sessions"};

    static final Duration DEFAULT_TTL = Duration.ofHours(1);

    @Reference
    private StoreRegistry registry;

    @Reference(target = "(" + StoreRegistry.FRONT_PROPERTY + "=true)", cardinality = ReferenceCardinality.OPTIONAL,
            policy = ReferencePolicy.DYNAMIC, policyOption = ReferencePolicyOption.GREEDY)
    private volatile SessionStore store;

    @Reference(cardinality = ReferenceCardinality.OPTIONAL, policy = ReferencePolicy.DYNAMIC,
            policyOption = ReferencePolicyOption.GREEDY)
    private volatile MetaTypeService metaType;

    @Reference(cardinality = ReferenceCardinality.OPTIONAL, policy = ReferencePolicy.DYNAMIC,
            policyOption = ReferencePolicyOption.GREEDY)
    private volatile StoreMetrics metrics;

    private BundleContext context;

    private final Clock clock = Clock.systemUTC();

    private GogoPublication gogo;

    @Activate
    void activate(BundleContext bundleContext) {
        this.context = bundleContext;
        gogo = GogoPublication.publish(bundleContext, this, FUNCTIONS);
    }

    @org.osgi.service.component.annotations.Deactivate
    void deactivate() {
        gogo.withdraw();
    }

    /** The names of the available types, for completion. */
    public List<String> typeNames() {
        return registry.types().stream().map(StoreProvider::type).distinct().sorted().toList();
    }

    /**
     * The keys of {@code use TYPE}, for completion: those TYPE's bundle describes with Metatype, then the
     * registry's own; empty when TYPE is not available.
     */
    public List<String> keyNames(String type) {
        return registry.types().stream().filter(p -> p.type().equals(type)).findFirst()
                .map(p -> java.util.stream.Stream.concat(BackendKeys.names(context, metaType, p).stream(),
                        StoreRegistry.OWN_KEYS.stream()).distinct().toList())
                .orElse(List.of());
    }

    /**
     * Subjects starting with {@code prefix}, for completion: none when no store serves now (a Tab
     * never waits for a swap) or it cannot list them (a completion never fails the line being typed).
     */
    public List<String> subjectNames(String prefix) {
        SessionStore s = store;
        StoreStatus.State state = registry.status().state();
        if (s == null || state != StoreStatus.State.ACTIVE && state != StoreStatus.State.PENDING) {
            return List.of();
        }
        try {
            return s.subjects(prefix, 50);
        } catch (RuntimeException | LinkageError e) {
            return List.of();
        }
    }

    /** Each command's usage: {@link Usage}. */
    static final Map<String, String> USAGE = Usage.OF;

    /** Whether an argument asks for help rather than naming something. */
    private static boolean asksHelp(String... args) {
        for (String a : args) {
            if ("--help".equals(a) || "-h".equals(a)) {
                return true;
            }
        }
        return false;
    }

    /** The usage of a command that takes no such argument: for --help, else a one-line refusal naming it. */
    private static String onlyHelp(String command, String arg) {
        if (asksHelp(arg)) {
            return "usage: " + USAGE.get(command);
        }
        throw new IllegalArgumentException("unexpected argument; usage: " + USAGE.get(command));
    }

    private SessionStore store() {
        SessionStore s = store;
        if (s == null) {
            throw new IllegalStateException("no session store is published; see sessionstore:info");
        }
        return s;
    }

    @Descriptor("list the available store types, the bundle and version providing each; * marks the active one")
    public String types(
            @Parameter(names = {"-v", "--verbose"}, presentValue = "true", absentValue = "false")
            @Descriptor("also list each type's keys with their defaults and descriptions (from Metatype)") boolean verbose) {
        return listTypes(verbose);
    }

    @Descriptor("sessionstore:types --help: the usage")
    public String types(@Parameter(names = {"-v", "--verbose"}, presentValue = "true", absentValue = "false") boolean verbose,
            String arg) {
        return onlyHelp("types", arg);
    }

    private String listTypes(boolean verbose) {
        String activeType = registry.status().type();
        List<StoreProvider> providers = registry.types();
        StringBuilder b = new StringBuilder(String.format("  %-12s %-32s %-24s %s%n", "TYPE", "BUNDLE", "VERSION", "ID"));
        for (StoreProvider p : providers) {
            b.append(String.format("%s %-12s %-32s %-24s %d%n", p.type().equals(activeType) ? "*" : " ", p.type(),
                    p.bundleSymbolicName(), p.bundleVersion(), p.bundleId()));
            if (verbose) {
                b.append(BackendKeys.describe(context, metaType, p));
            }
        }
        if (providers.stream().noneMatch(p -> p.type().equals(activeType))) {
            b.append("(configured type '").append(activeType).append("' is not available)").append(System.lineSeparator());
        }
        return b.toString().stripTrailing();
    }

    @Descriptor("sessionstore:info --help: the usage")
    public String info(String arg) {
        return onlyHelp("info", arg);
    }

    @Descriptor("show the active store: type, state, provider, settings (secrets as ***)")
    public String info() {
        StoreInfo i = registry.info();
        StoreStatus s = i.status();
        Map<String, String> rows = new LinkedHashMap<>();
        rows.put("type", s.type());
        rows.put("state", s.state().name());
        rows.put("provider", s.provider() == null ? "-"
                : s.provider().bundleSymbolicName() + " " + s.provider().bundleVersion() + " (bundle "
                        + s.provider().bundleId() + ")");
        rows.put("source", s.source() == null ? "-" : s.source());
        if (s.state() == StoreStatus.State.ACTIVE || s.state() == StoreStatus.State.PENDING) {
            rows.put("sessions", i.sessions() != null ? String.valueOf(i.sessions()) : i.sessionsProblem());
            if (i.unreadable() > 0) {
                rows.put("unreadable", i.unreadable() + " records found unreadable and treated as absent (each named once"
                        + " in the log by its key)");
            }
        }
        s.settings().forEach(rows::put);
        i.details().forEach((k, v) -> rows.put(k, Redaction.printable(v)));
        if (s.detail() != null) {
            rows.put("detail", s.detail());
        }
        StoreMetrics m = metrics;
        if (m != null) {
            m.summary().forEach(rows::put);
        }
        Housekeeping h = i.lastHousekeeping();
        rows.put("last clean", h == null ? "not yet" : h.ranAt() + ": removed " + count(h.sessionsRemoved(), "session") + ", "
                + count(h.statesRemoved(), "state") + (h.error() == null ? "" : " (failed: " + h.error() + ")"));
        return table(rows);
    }

    @Descriptor("make TYPE the active store, with its settings as key=value (for example: use redis addr=127.0.0.1:6379 ttl=24h; "
            + "the registry's swap_timeout and clean_interval too); the entries of an in-process store are always migrated,"
            + " --migrate also copies those of a shared one")
    public String use(
            @Parameter(names = {"-m", "--migrate"}, presentValue = "true", absentValue = "false")
            @Descriptor("also copy the live sessions and states of a shared store (such as redis) into the new one") boolean migrate,
            @Descriptor("store type, see sessionstore:types") String type,
            @Descriptor("backend settings, key=value") String... settings) {
        if (asksHelp(type) || asksHelp(settings)) {
            return "usage: " + USAGE.get("use");
        }
        Map<String, Object> config = new LinkedHashMap<>();
        for (String kv : settings) {
            int eq = kv.indexOf('=');
            if (eq <= 0) {
                // never repeat it: an argument without '=' may be a password split off by a space
                throw new IllegalArgumentException("expected key=value, got an argument " + (eq == 0 ? "that starts with '='"
                        : "without '='") + " (setting " + (config.size() + 1) + "); usage: sessionstore:use [--migrate] TYPE"
                        + " [key=value ...], and quote a value with spaces or brackets: \"addr=[::1]:6379\"");
            }
            String key = kv.substring(0, eq).trim();
            if (key.equals("type")) {
                throw new IllegalArgumentException("give the type as the first argument, not as type=…; usage: "
                        + "sessionstore:use [--migrate] TYPE [key=value ...]");
            }
            config.put(key, kv.substring(eq + 1).trim());
        }
        config.put("type", type);
        // the registry checks it, builds it, migrates into it, serves it and saves it; a refusal changes nothing
        Migration m = ShellProgress.whileSaying(() -> registry.switchTo(config, migrate), registry::progress);
        StoreStatus s = registry.status();
        String copied = m.sessions() + m.states() > 0 || migrate
                ? String.format("; copied %s and %s in %d ms", count(m.sessions(), "session"), count(m.states(), "state"),
                        m.took().toMillis())
                        + (m.skipped() > 0 ? String.format("; skipped %d records the old store could not read (see the log)",
                                m.skipped()) : "")
                : "";
        if (m.left() > 0) {
            copied += String.format("; %s of the old store were not copied: its backend cannot list them (not a"
                    + " TransferableStore), so if it kept them in the process they are gone (see the log)", count(m.left(), "session"));
        }
        String lasts = registry.info().configurationFileSettingIt()
                .map(f -> System.lineSeparator() + "note: " + f + " sets this configuration at every start, so this change"
                        + " lasts until the next restart; edit that file to keep it")
                .orElse("");
        return "active store: " + type + " " + s.settings() + copied + lasts;
    }

    @Descriptor("count the live sessions")
    public long count() {
        return store().getSessionCount();
    }

    @Descriptor("sessionstore:count --help: the usage")
    public String count(String arg) {
        return onlyHelp("count", arg);
    }

    @Descriptor("sessionstore:add --help: the usage")
    public String add(String arg) {
        if (asksHelp(arg)) {
            return "usage: " + USAGE.get("add");
        }
        throw new IllegalArgumentException("a session needs an id and a user name; usage: " + USAGE.get("add"));
    }

    @Descriptor("add a session that lives 1h; --access-token and --id-token give it tokens (never printed), --sid the"
            + " identity provider's session id")
    public String add(
            @Parameter(names = {"--access-token"}, absentValue = "") @Descriptor("the session's access token") String accessToken,
            @Parameter(names = {"--id-token"}, absentValue = "") @Descriptor("the session's ID token") String idToken,
            @Parameter(names = {"--sid"}, absentValue = "") @Descriptor("the identity provider's session id") String sid,
            @Descriptor("session id") String id, @Descriptor("user name") String username) {
        return add(accessToken, idToken, sid, id, username, Durations.format(DEFAULT_TTL));
    }

    @Descriptor("add a session that lives TTL (such as 30m, 2h30m, 90s); --access-token and --id-token give it tokens"
            + " (never printed), --sid the identity provider's session id")
    public String add(
            @Parameter(names = {"--access-token"}, absentValue = "") @Descriptor("the session's access token") String accessToken,
            @Parameter(names = {"--id-token"}, absentValue = "") @Descriptor("the session's ID token") String idToken,
            @Parameter(names = {"--sid"}, absentValue = "") @Descriptor("the identity provider's session id") String sid,
            @Descriptor("session id") String id, @Descriptor("user name") String username,
            @Descriptor("lifetime, such as 30m") String ttl) {
        if (asksHelp(id, username, ttl)) {
            return "usage: " + USAGE.get("add");
        }
        Duration life;
        try {
            life = Durations.parse(ttl);
        } catch (IllegalArgumentException e) {
            throw new IllegalArgumentException("bad TTL: " + Redaction.printable(e.getMessage()));
        }
        if (life.isNegative() || life.isZero()) {
            throw new IllegalArgumentException("TTL must be positive, such as 30m; got " + Redaction.printable(ttl));
        }
        Instant now = clock.instant();
        Session session = new Session(id, username, username, now, now.plus(life), emptyToNull(accessToken),
                emptyToNull(idToken), null, emptyToNull(sid));
        int[] evicted = {0};
        store().addSession(session, n -> evicted[0] = n);
        String tokens = (accessToken.isEmpty() ? "" : ", access token " + Redaction.MASK)
                + (idToken.isEmpty() ? "" : ", ID token " + Redaction.MASK)
                + (session.sid() == null ? "" : ", sid " + Redaction.printable(session.sid()));
        return "added session " + Redaction.printable(id) + " for " + Redaction.printable(username) + tokens + ", expires "
                + now.plus(life) + " (in " + Durations.format(life) + ")" + (evicted[0] == 0 ? ""
                        : "; " + count(evicted[0], "older session") + " of the subject removed (max_sessions_per_subject)");
    }

    private static String emptyToNull(String s) {
        return s == null || s.isEmpty() ? null : s;
    }

    @Descriptor("show a session, tokens redacted")
    public String get(@Descriptor("session id") String id) {
        if (asksHelp(id)) {
            return "usage: " + USAGE.get("get");
        }
        return store().getSession(id).map(StoreCommands::describe).orElse("no session '" + Redaction.printable(id) + "'");
    }

    static String describe(Session s) {
        Map<String, String> rows = new LinkedHashMap<>();
        rows.put("id", s.id());
        rows.put("username", String.valueOf(s.username()));
        rows.put("sub", String.valueOf(s.sub()));
        rows.put("issuedAt", String.valueOf(s.issuedAt()));
        rows.put("expiresAt", String.valueOf(s.expiresAt()));
        rows.put("sid", s.sid() == null ? "-" : s.sid());
        rows.put("accessToken", s.accessToken() == null ? "-" : Redaction.MASK);
        rows.put("idToken", s.idToken() == null ? "-" : Redaction.MASK);
        rows.put("codeVerifier", s.codeVerifier() == null ? "-" : Redaction.MASK);
        return table(rows);
    }

    @Descriptor("delete a session")
    public String delete(@Descriptor("session id") String id) {
        if (asksHelp(id)) {
            return "usage: " + USAGE.get("delete");
        }
        return store().deleteSession(id) ? "deleted session " + Redaction.printable(id)
                : "no session '" + Redaction.printable(id) + "'";
    }

    @Descriptor("sessionstore:health --help: the usage")
    public String health(String arg) {
        return onlyHelp("health", arg);
    }

    @Descriptor("the store's health: OK, WARN (waiting, pending, slow) or CRITICAL (unavailable, refused), with a probe's"
            + " round trip; fails (exit status 1) when CRITICAL, so a liveness probe can pipe it")
    public String health() {
        org.sessionstore.api.StoreHealth.Result r = registry.health();
        if (r.status() == org.sessionstore.api.StoreHealth.Status.CRITICAL) {
            throw new IllegalStateException(r.line());
        }
        return r.line();
    }

    @Descriptor("remove every session of a subject (sign out everywhere), but the one --except names")
    public String revoke(
            @Parameter(names = {"--except"}, absentValue = "") @Descriptor("the id of the session to keep") String except,
            @Descriptor("the subject (sub) whose sessions go") String sub) {
        if (asksHelp(sub, except)) {
            return "usage: " + USAGE.get("revoke");
        }
        if (sub.startsWith("--")) {
            // Gogo hands an option given no value over as the subject (review: 'revoke --sid' revoked subject '--sid')
            throw new IllegalArgumentException("'" + Redaction.printable(sub) + "' needs a value; usage: " + USAGE.get("revoke"));
        }
        int n;
        try {
            n = store().deleteSessionsBySubject(sub, emptyToNull(except));
        } catch (UnsupportedOperationException e) {
            throw new IllegalStateException(e.getMessage());
        }
        return "revoked " + count(n, "session") + " of subject '" + Redaction.printable(sub) + "'"
                + (except.isEmpty() ? "" : " (kept " + Redaction.printable(except) + ")");
    }

    @Descriptor("remove every session of an identity provider's session (OIDC back-channel logout)")
    public String revoke(
            @Parameter(names = {"--sid"}, absentValue = "") @Descriptor("the identity provider's session id") String sid) {
        if (asksHelp(sid)) {
            return "usage: " + USAGE.get("revoke");
        }
        if (sid.isEmpty()) {
            throw new IllegalArgumentException("give a subject or --sid SID; usage: " + USAGE.get("revoke"));
        }
        int n;
        try {
            n = store().deleteSessionsBySid(sid);
        } catch (UnsupportedOperationException e) {
            throw new IllegalStateException(e.getMessage());
        }
        return "revoked " + count(n, "session") + " of sid '" + Redaction.printable(sid) + "'";
    }

    @Descriptor("list a subject's live sessions, newest first: id, issued, expires, last seen, sid (never a token)")
    public String sessions(
            @Parameter(names = {"--offset"}, absentValue = "0") @Descriptor("how many of the newest to skip") int offset,
            @Parameter(names = {"--limit"}, absentValue = "20") @Descriptor("the most to show (1 to 1000)") int limit,
            @Descriptor("the subject (sub)") String sub) {
        if (asksHelp(sub)) {
            return "usage: " + USAGE.get("sessions");
        }
        List<org.sessionstore.api.SessionInfo> page;
        try {
            page = store().sessionsOf(sub, offset, limit);
        } catch (UnsupportedOperationException e) {
            throw new IllegalStateException(e.getMessage());
        }
        if (page.isEmpty()) {
            return offset == 0 ? "no live session of subject '" + Redaction.printable(sub) + "'"
                    : "no live session of subject '" + Redaction.printable(sub) + "' past the first " + offset;
        }
        StringBuilder b = new StringBuilder(String.format("%-24s %-24s %-24s %-24s %s%n", "ID", "ISSUED", "EXPIRES",
                "LAST SEEN", "SID"));
        for (org.sessionstore.api.SessionInfo i : page) {
            b.append(String.format("%-24s %-24s %-24s %-24s %s%n", Redaction.printable(i.id()), show(i.issuedAt()),
                    show(i.expiresAt()), show(i.lastSeen()), i.sid() == null ? "-" : Redaction.printable(i.sid())));
        }
        if (page.size() == limit) {
            b.append("(more may follow: --offset ").append(offset + limit).append(')').append(System.lineSeparator());
        }
        return b.toString().stripTrailing();
    }

    private static String show(Instant t) {
        return t == null ? "-" : t.truncatedTo(java.time.temporal.ChronoUnit.SECONDS).toString();
    }

    @Descriptor("sessionstore:clean --help: the usage")
    public String clean(String arg) {
        return onlyHelp("clean", arg);
    }

    @Descriptor("remove expired sessions, and states past the store's state_ttl")
    public String clean() {
        SessionStore s = store();
        String type = registry.status().type();
        long began = System.nanoTime();
        return ShellProgress.whileSaying(() -> clean(s), () -> {
            long seconds = (System.nanoTime() - began) / 1_000_000_000L;
            return seconds == 0 ? Optional.empty() : Optional.of("cleaning the " + type + " store: " + seconds + "s so far");
        });
    }

    private static String clean(SessionStore s) {
        int[] idle = {0};
        int sessions = s.cleanExpired(n -> idle[0] = n);
        String removed = "removed " + count(sessions, "expired session") + (idle[0] > 0 ? " (" + idle[0] + " idle)" : "");
        Optional<Duration> ttl = s.stateTtl();
        if (ttl.isEmpty()) {
            return removed + " (the store does not say how long its states live; it expires them itself)";
        }
        int states = s.cleanExpiredStates(ttl.get());
        return removed + " and " + count(states, "state") + " older than "
                + Durations.format(ttl.get()) + " (state_ttl)";
    }

    /** "1 session", "2 sessions", "0 sessions". */
    static String count(long n, String what) {
        return n + " " + what + (n == 1 ? "" : "s");
    }

    private static String table(Map<String, String> rows) {
        int width = rows.keySet().stream().mapToInt(String::length).max().orElse(0);
        StringBuilder b = new StringBuilder();
        // values come from outside (usernames, settings, messages): never let them steer the terminal
        rows.forEach((k, v) -> b.append(String.format("%-" + width + "s  %s%n", k, Redaction.printable(v))));
        return b.toString().stripTrailing();
    }
}
