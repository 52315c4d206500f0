package org.sessionstore.memory;

import java.lang.System.Logger.Level;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.Iterator;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.stream.Stream;

import org.sessionstore.api.StateEntry;

/**
 * The pending one-time states, in the order they were added, which is the order they age in.
 * Consuming removes the entry at once (so exactly one caller gets it, and its memory is free
 * whatever the outcome); each add first drops what is past {@code state_ttl}, stopping at the
 * first young entry.
 *
 * <p>A flood cannot lock other users out: a new state is never refused. A client (named by the
 * caller, its address say) at {@code max_states_per_client} loses its own oldest state to the new
 * one, so one source can hold at most that many and never pushes out another's; a table at
 * {@code max_states} drops its oldest state, whoever's, for the new one (a login that takes longer
 * than the table needs to turn over fails, rather than every login after the flood).
 *
 * <p>One monitor guards it all: a state is added and consumed once per login, far less often than
 * sessions are read.
 */
final class StateTable {

    private static final System.Logger LOG = System.getLogger("org.sessionstore.memory");
    /** How often a warning about dropped states is logged at most. */
    private static final long WARN_EVERY_MILLIS = 10_000;

    /** A state and who added it (null: unknown, for example migrated from another store). */
    private record Pending(StateEntry entry, String client) {
    }

    private final MemoryConfig config;
    private final Clock clock;
    // guarded by this
    private final LinkedHashMap<String, Pending> entries = new LinkedHashMap<>();
    private final Map<String, LinkedHashSet<String>> byClient = new HashMap<>();
    private long droppedForClient;
    private long droppedForRoom;
    private long lastWarned;

    StateTable(MemoryConfig config, Clock clock) {
        this.config = config;
        this.clock = clock;
    }

    synchronized void add(String state, String userAgent, String requestUrl, String upstreamUrl, String codeVerifier,
            String client) {
        Instant now = clock.instant();
        removeCreatedBefore(now.minus(config.stateTtl()));
        put(new StateEntry(state, now, userAgent, requestUrl, upstreamUrl, codeVerifier), client);
    }

    /** Stores an entry as it is (a migration from another store keeps its creation time; its client is unknown). */
    synchronized void put(StateEntry e, String client) {
        // re-adding a state moves it to the end, where its new age belongs
        Pending old = entries.remove(e.state());
        if (old != null) {
            leftClient(e.state(), old.client());
        }
        if (client != null && config.maxStatesPerClient() > 0) {
            LinkedHashSet<String> mine = byClient.get(client);
            while (mine != null && mine.size() >= config.maxStatesPerClient()) {
                String oldest = mine.iterator().next();
                mine.remove(oldest);
                entries.remove(oldest);
                droppedForClient++;
            }
        }
        while (entries.size() >= config.maxStates()) {
            Iterator<Map.Entry<String, Pending>> eldest = entries.entrySet().iterator();
            Map.Entry<String, Pending> gone = eldest.next();
            eldest.remove();
            leftClient(gone.getKey(), gone.getValue().client());
            droppedForRoom++;
        }
        entries.put(e.state(), new Pending(e, client));
        if (client != null) {
            byClient.computeIfAbsent(client, c -> new LinkedHashSet<>()).add(e.state());
        }
        warnIfDropping();
    }

    private void leftClient(String state, String client) {
        if (client != null) {
            LinkedHashSet<String> set = byClient.get(client);
            if (set != null) {
                set.remove(state);
                if (set.isEmpty()) {
                    byClient.remove(client);
                }
            }
        }
    }

    /** Holds the monitor. */
    private void warnIfDropping() {
        if (droppedForClient + droppedForRoom == 0) {
            return;
        }
        long now = clock.millis();
        if (now - lastWarned < WARN_EVERY_MILLIS) {
            return;
        }
        lastWarned = now;
        LOG.log(Level.WARNING, "the memory store dropped pending states for new ones: {0} because their client was at"
                + " max_states_per_client={1}, {2} because the store held max_states={3} (a flood of logins that are"
                + " never finished?)", Long.toString(droppedForClient), Long.toString(config.maxStatesPerClient()),
                Long.toString(droppedForRoom), Long.toString(config.maxStates()));
        droppedForClient = 0;
        droppedForRoom = 0;
    }

    Stream<StateEntry> live() {
        Instant cutoff = clock.instant().minus(config.stateTtl());
        List<StateEntry> copy = new ArrayList<>();
        synchronized (this) {
            for (Pending p : entries.values()) {
                copy.add(p.entry());
            }
        }
        return copy.stream().filter(e -> e.createdAt().isAfter(cutoff));
    }

    Optional<StateEntry> consume(String state, String userAgent, Runnable onMismatch) {
        Pending p;
        synchronized (this) {
            p = entries.remove(state);
            if (p != null) {
                leftClient(state, p.client());
            }
        }
        if (p == null || !p.entry().createdAt().plus(config.stateTtl()).isAfter(clock.instant())) {
            return Optional.empty();
        }
        if (!p.entry().userAgent().equals(userAgent)) {
            onMismatch.run();
            return Optional.empty();
        }
        return Optional.of(p.entry());
    }

    /** Removes states older than {@code maxAge}, and in any case those past {@code state_ttl}. */
    synchronized int removeOlderThan(Duration maxAge) {
        Duration age = maxAge.compareTo(config.stateTtl()) < 0 ? maxAge : config.stateTtl();
        return removeCreatedBefore(clock.instant().minus(age));
    }

    /** Removes entries created at or before {@code cutoff}; stops at the first younger one. Holds the monitor. */
    private int removeCreatedBefore(Instant cutoff) {
        int removed = 0;
        for (Iterator<Map.Entry<String, Pending>> it = entries.entrySet().iterator(); it.hasNext();) {
            Map.Entry<String, Pending> e = it.next();
            if (e.getValue().entry().createdAt().isAfter(cutoff)) {
                break;
            }
            it.remove();
            leftClient(e.getKey(), e.getValue().client());
            removed++;
        }
        return removed;
    }

    synchronized int size() {
        return entries.size();
    }

    /** For tests: clients with pending states. */
    synchronized int clientCount() {
        return byClient.size();
    }

    synchronized void clear() {
        entries.clear();
        byClient.clear();
    }
}
