package org.example.filestore;

import java.io.IOException;
import java.io.Reader;
import java.io.Writer;
import java.nio.charset.StandardCharsets;
import java.nio.file.AtomicMoveNotSupportedException;
import java.nio.file.DirectoryStream;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.HexFormat;
import java.util.Optional;
import java.util.Properties;
import java.util.UUID;

import org.sessionstore.api.Ids;
import org.sessionstore.api.Session;
import org.sessionstore.api.SessionStore;
import org.sessionstore.api.StateEntry;
import org.sessionstore.api.StoreUnavailableException;

/**
 * A tiny file-based store, as an example of a third-party backend: one properties file per
 * session under {@code dir/sessions} and per state under {@code dir/states}, named by the
 * SHA-256 of the id (ids may hold any visible character, file names may not).
 *
 * <p>How it keeps the contract: a write goes to a temporary file that is then moved over the
 * target atomically, so a reader sees the old file or the new one, never half of one; a state is
 * consumed by moving its file to a name of the caller's own, which only one caller can do, so of
 * any number of racers exactly one gets it; an expired entry is never returned; ids are checked
 * with {@link Ids#require}. Counting and cleaning list the directory, which is fine for an example
 * and for small stores; a real backend keeps an index (see the memory and redis backends).
 */
public final class FileSessionStore implements SessionStore {

    private final Path sessions;
    private final Path states;
    private final Duration stateTtl;
    private final Clock clock;
    private volatile boolean closed;

    /**
     * @param dir the directory (created if absent)
     * @param stateTtl how long a state can be validated
     * @param clock where "now" comes from
     * @throws StoreUnavailableException if the directory cannot be created
     */
    public FileSessionStore(Path dir, Duration stateTtl, Clock clock) {
        this.sessions = dir.resolve("sessions");
        this.states = dir.resolve("states");
        this.stateTtl = stateTtl;
        this.clock = clock;
        try {
            Files.createDirectories(sessions);
            Files.createDirectories(states);
        } catch (IOException e) {
            throw new StoreUnavailableException("file store cannot create its directory " + dir + ": " + e.getMessage());
        }
    }

    // --- sessions ---------------------------------------------------------------------------

    @Override
    public void addSession(Session session) {
        if (session == null) {
            throw new IllegalArgumentException("session must not be null");
        }
        open();
        Path file = file(sessions, session.id());
        if (!session.expiresAt().isAfter(clock.instant())) {
            delete(file); // an expired session is not kept, and replaces the live one
            return;
        }
        Properties p = new Properties();
        p.setProperty("id", session.id());
        put(p, "username", session.username());
        put(p, "sub", session.sub());
        if (session.issuedAt() != null) {
            p.setProperty("issued_at", Long.toString(session.issuedAt().toEpochMilli()));
        }
        p.setProperty("expires_at", Long.toString(session.expiresAt().toEpochMilli()));
        put(p, "access_token", session.accessToken());
        put(p, "id_token", session.idToken());
        put(p, "code_verifier", session.codeVerifier());
        write(file, p);
    }

    @Override
    public Optional<Session> getSession(String id) {
        Ids.require(id, "session id");
        open();
        return live(read(file(sessions, id)));
    }

    private Optional<Session> live(Properties p) {
        if (p == null) {
            return Optional.empty();
        }
        Instant expires = Instant.ofEpochMilli(Long.parseLong(p.getProperty("expires_at")));
        if (!expires.isAfter(clock.instant())) {
            return Optional.empty();
        }
        return Optional.of(new Session(p.getProperty("id"), p.getProperty("username"), p.getProperty("sub"),
                p.getProperty("issued_at") == null ? null : Instant.ofEpochMilli(Long.parseLong(p.getProperty("issued_at"))),
                expires, p.getProperty("access_token"),
                p.getProperty("id_token"), p.getProperty("code_verifier")));
    }

    @Override
    public boolean deleteSession(String id) {
        Ids.require(id, "session id");
        open();
        Path file = file(sessions, id);
        boolean wasLive = live(read(file)).isPresent();
        return delete(file) && wasLive;
    }

    /**
     * Lists the directory: an example's shortcut. A real backend indexes sessions by subject (the
     * memory and redis backends do), since this is what "sign out everywhere" runs.
     */
    @Override
    public int deleteSessionsBySubject(String sub) {
        Ids.requireSubject(sub);
        open();
        int removed = 0;
        for (Path f : list(sessions)) {
            Optional<Session> s = live(read(f));
            if (s.isPresent() && sub.equals(s.get().sub()) && delete(f)) {
                removed++;
            }
        }
        return removed;
    }

    @Override
    public int cleanExpired() {
        open();
        int removed = 0;
        for (Path f : list(sessions)) {
            Properties p = read(f);
            if (p != null && live(p).isEmpty() && delete(f)) {
                removed++;
            }
        }
        return removed;
    }

    @Override
    public Optional<String> getField(String id, String field) {
        Ids.require(id, "session id");
        String key = switch (field == null ? "" : field) {
            case "username", "sub", "access_token", "id_token" -> field;
            default -> throw new IllegalArgumentException("unknown session field '" + field
                    + "'; known fields: username, sub, access_token, id_token");
        };
        open();
        return getSession(id).map(s -> switch (key) {
            case "username" -> s.username();
            case "sub" -> s.sub();
            case "access_token" -> s.accessToken();
            default -> s.idToken();
        });
    }

    @Override
    public long getSessionCount() {
        open();
        return list(sessions).stream().filter(f -> live(read(f)).isPresent()).count();
    }

    @Override
    public boolean sessionExists(String id) {
        return getSession(id).isPresent();
    }

    // --- states -----------------------------------------------------------------------------

    @Override
    public void addStateEntry(String state, String userAgent, String requestUrl, String upstreamUrl, String codeVerifier) {
        StateEntry e = new StateEntry(Ids.require(state, "state"), clock.instant(), userAgent, requestUrl, upstreamUrl,
                codeVerifier);
        open();
        Properties p = new Properties();
        p.setProperty("state", e.state());
        p.setProperty("created_at", Long.toString(e.createdAt().toEpochMilli()));
        put(p, "user_agent", e.userAgent());
        put(p, "request_url", e.requestUrl());
        put(p, "upstream_url", e.upstreamUrl());
        put(p, "code_verifier", e.codeVerifier());
        write(file(states, state), p);
    }

    @Override
    public Optional<StateEntry> validateAndRemoveState(String state, String userAgent) {
        return validateAndRemoveState(state, userAgent, () -> { });
    }

    @Override
    public Optional<StateEntry> validateAndRemoveState(String state, String userAgent, Runnable onMismatch) {
        Ids.require(state, "state");
        if (userAgent == null || onMismatch == null) {
            throw new IllegalArgumentException((userAgent == null ? "userAgent" : "onMismatch")
                    + " must not be null (a User-Agent may be empty)");
        }
        open();
        // the one step that decides: only one caller can move the file away
        Path mine = states.resolve(".taken-" + UUID.randomUUID());
        try {
            Files.move(file(states, state), mine, StandardCopyOption.ATOMIC_MOVE);
        } catch (NoSuchFileException gone) {
            return Optional.empty();
        } catch (IOException e) {
            throw unavailable("consuming a state", e);
        }
        Properties p = read(mine);
        delete(mine);
        if (p == null) {
            return Optional.empty();
        }
        StateEntry e = new StateEntry(p.getProperty("state"), Instant.ofEpochMilli(Long.parseLong(p.getProperty("created_at"))),
                p.getProperty("user_agent", ""), p.getProperty("request_url"), p.getProperty("upstream_url"),
                p.getProperty("code_verifier"));
        if (clock.instant().isAfter(e.createdAt().plus(stateTtl))) {
            return Optional.empty(); // too old: consumed all the same
        }
        if (!e.userAgent().equals(userAgent)) {
            onMismatch.run(); // another browser: consumed all the same, and worth an alarm
            return Optional.empty();
        }
        return Optional.of(e);
    }

    @Override
    public int cleanExpiredStates(Duration maxAge) {
        if (maxAge == null || maxAge.isNegative()) {
            throw new IllegalArgumentException("maxAge must be zero or positive, not " + maxAge);
        }
        open();
        Instant oldest = clock.instant().minus(maxAge);
        int removed = 0;
        for (Path f : list(states)) {
            Properties p = read(f);
            if (p != null && Instant.ofEpochMilli(Long.parseLong(p.getProperty("created_at"))).isBefore(oldest)
                    && delete(f)) {
                removed++;
            }
        }
        return removed;
    }

    @Override
    public Optional<Duration> stateTtl() {
        return Optional.of(stateTtl);
    }

    @Override
    public void close() {
        closed = true;
    }

    @Override
    public String toString() {
        return "FileSessionStore[" + sessions.getParent() + "]";
    }

    // --- files ------------------------------------------------------------------------------

    private void open() {
        if (closed) {
            throw new StoreUnavailableException("the file store at " + sessions.getParent() + " is closed");
        }
    }

    private static Path file(Path dir, String id) {
        try {
            byte[] hash = MessageDigest.getInstance("SHA-256").digest(id.getBytes(StandardCharsets.UTF_8));
            return dir.resolve(HexFormat.of().formatHex(hash));
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException("every Java has SHA-256", e);
        }
    }

    private static void put(Properties p, String key, String value) {
        if (value != null) {
            p.setProperty(key, value);
        }
    }

    private static void write(Path file, Properties p) {
        Path tmp = file.resolveSibling(".tmp-" + UUID.randomUUID());
        try {
            try (Writer w = Files.newBufferedWriter(tmp, StandardCharsets.UTF_8)) {
                p.store(w, null);
            }
            try {
                Files.move(tmp, file, StandardCopyOption.ATOMIC_MOVE, StandardCopyOption.REPLACE_EXISTING);
            } catch (AtomicMoveNotSupportedException e) {
                Files.move(tmp, file, StandardCopyOption.REPLACE_EXISTING);
            }
        } catch (IOException e) {
            delete(tmp);
            throw unavailable("writing " + file.getFileName(), e);
        }
    }

    /** The file's properties, or null if there is no such file. */
    private static Properties read(Path file) {
        Properties p = new Properties();
        try (Reader r = Files.newBufferedReader(file, StandardCharsets.UTF_8)) {
            p.load(r);
            return p;
        } catch (NoSuchFileException gone) {
            return null;
        } catch (IOException e) {
            throw unavailable("reading " + file.getFileName(), e);
        }
    }

    private static boolean delete(Path file) {
        try {
            return Files.deleteIfExists(file);
        } catch (IOException e) {
            throw unavailable("deleting " + file.getFileName(), e);
        }
    }

    private static java.util.List<Path> list(Path dir) {
        java.util.List<Path> out = new java.util.ArrayList<>();
        try (DirectoryStream<Path> files = Files.newDirectoryStream(dir, f -> !f.getFileName().toString().startsWith("."))) {
            files.forEach(out::add);
        } catch (IOException e) {
            throw unavailable("listing " + dir, e);
        }
        return out;
    }

    private static StoreUnavailableException unavailable(String what, IOException e) {
        return new StoreUnavailableException("file store failed " + what + ": " + e.getClass().getSimpleName());
    }
}
