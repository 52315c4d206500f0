package org.sessionstore.jdbc;

import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.Optional;

import org.sessionstore.api.Ids;
import org.sessionstore.api.StateEntry;

/**
 * The states of the jdbc store: added within {@code max_states_per_client} (one statement), taken
 * once ({@code DELETE … RETURNING}: of any number of callers on any number of nodes exactly one
 * gets a state), cleaned by age.
 */
final class JdbcStates {

    private final JdbcConfig config;
    private final Clock clock;
    private final Schema schema;
    private final JdbcCalls calls;
    private final UnreadableRows unreadable;

    JdbcStates(JdbcConfig config, Clock clock, Schema schema, JdbcCalls calls, UnreadableRows unreadable) {
        this.config = config;
        this.clock = clock;
        this.schema = schema;
        this.calls = calls;
        this.unreadable = unreadable;
    }

    /** A state (with a client: in the same statement the client's oldest beyond {@code max_states_per_client}). */
    void add(String state, String userAgent, String requestUrl, String upstreamUrl, String codeVerifier, String client) {
        Ids.require(state, "state");
        Ids.requireNonNull(userAgent, "userAgent");
        if (client != null) {
            Ids.require(client, "client");
        }
        calls.ready();
        long now = clock.millis();
        if (client == null || config.maxStatesPerClient() == 0 || !schema.clientColumn) {
            importState(new StateEntry(state, Instant.ofEpochMilli(now), userAgent, requestUrl, upstreamUrl, codeVerifier));
            return;
        }
        calls.sql("adding a state", c -> {
            try (PreparedStatement p = c.prepareStatement(schema.upsertClientState)) {
                p.setString(1, state);
                p.setLong(2, now);
                p.setString(3, userAgent);
                JdbcSessionStore.text(p, 4, requestUrl);
                JdbcSessionStore.text(p, 5, upstreamUrl);
                JdbcSessionStore.text(p, 6, codeVerifier);
                p.setString(7, client);
                p.setString(8, client);
                p.setLong(9, config.maxStatesPerClient() - 1);
                p.executeUpdate();
            }
            return null;
        });
    }

    /** A state as given, keeping its creation time (a migration). */
    void importState(StateEntry e) {
        Ids.requireNonNull(e, "entry");
        calls.sql("adding a state", c -> {
            try (PreparedStatement p = c.prepareStatement(schema.upsertState)) {
                p.setString(1, e.state());
                p.setLong(2, e.createdAt().toEpochMilli());
                p.setString(3, e.userAgent());
                JdbcSessionStore.text(p, 4, e.requestUrl());
                JdbcSessionStore.text(p, 5, e.upstreamUrl());
                JdbcSessionStore.text(p, 6, e.codeVerifier());
                p.executeUpdate();
            }
            return null;
        });
    }

    /** Takes a state (whatever the outcome: too old, or another browser, it is gone); {@code onMismatch} for another browser. */
    Optional<StateEntry> consume(String state, String userAgent, Runnable onMismatch) {
        Ids.require(state, "state");
        Ids.requireNonNull(userAgent, "userAgent");
        Ids.requireNonNull(onMismatch, "onMismatch");
        long now = clock.millis();
        Optional<StateEntry> taken = calls.sql("consuming a state", c -> {
            try (PreparedStatement p = c.prepareStatement(schema.consumeState)) {
                p.setString(1, state);
                try (ResultSet r = p.executeQuery()) {
                    return r.next() ? Optional.ofNullable(readable(r)) : Optional.<StateEntry>empty();
                }
            }
        });
        // consumed whatever the outcome: too old, or another browser, it is gone all the same
        if (taken.isEmpty() || taken.get().createdAt().toEpochMilli() + config.stateTtl().toMillis() < now) {
            return Optional.empty();
        }
        if (!taken.get().userAgent().equals(userAgent)) {
            onMismatch.run();
            return Optional.empty();
        }
        return taken;
    }

    /** The state of a row, or null (reported, counted) if its state is not a valid one. */
    StateEntry readable(ResultSet r) throws SQLException {
        String state = r.getString("state");
        try {
            return new StateEntry(state, Instant.ofEpochMilli(r.getLong("created_at")), r.getString("user_agent"),
                    r.getString("request_url"), r.getString("upstream_url"), r.getString("code_verifier"));
        } catch (IllegalArgumentException e) {
            return unreadable.report("state", state, "its state is not a valid state");
        }
    }

    /** Removes states older than {@code maxAge} (at most state_ttl). */
    int clean(Duration maxAge) {
        Ids.requireNonNull(maxAge, "maxAge");
        if (maxAge.isNegative()) {
            throw new IllegalArgumentException("maxAge must not be negative: " + maxAge);
        }
        long cutoff = clock.millis() - Math.min(maxAge.toMillis(), config.stateTtl().toMillis());
        return calls.sql("cleaning old states", c -> {
            try (PreparedStatement p = c.prepareStatement(schema.cleanStates)) {
                p.setLong(1, cutoff);
                return p.executeUpdate();
            }
        });
    }
}
