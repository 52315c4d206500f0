package org.sessionstore.memory;

import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Iterator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Optional;
import java.util.stream.Stream;

import org.sessionstore.api.StateEntry;
import org.sessionstore.api.StoreFullException;

/**
 * The pending one-time states, in the order they were added, which is the order they age in.
 * Consuming removes the entry at once (so exactly one caller gets it, and its memory is free
 * whatever the outcome); each add first drops what is past {@code state_ttl}, stopping at the
 * first young entry, so the table never holds more than {@code max_states} entries and never
 * anything consumed. One monitor guards it: a state is added and consumed once per login, far
 * less often than sessions are read.
 */
final class StateTable {

    private final MemoryConfig config;
    private final Clock clock;
    // guarded by this
    private final LinkedHashMap<String, StateEntry> entries = new LinkedHashMap<>();

    StateTable(MemoryConfig config, Clock clock) {
        this.config = config;
        this.clock = clock;
    }

    synchronized void add(String state, String userAgent, String requestUrl, String upstreamUrl, String codeVerifier) {
        Instant now = clock.instant();
        removeCreatedBefore(now.minus(config.stateTtl()));
        put(new StateEntry(state, now, userAgent, requestUrl, upstreamUrl, codeVerifier));
    }

    /** Stores an entry as it is (a migration from another store keeps its creation time). */
    synchronized void put(StateEntry e) {
        // re-adding a state moves it to the end, where its new age belongs
        if (entries.remove(e.state()) == null && entries.size() >= config.maxStates()) {
            throw new StoreFullException("the memory store holds " + entries.size()
                    + " pending states, its limit max_states=" + config.maxStates()
                    + "; raise max_states or shorten state_ttl");
        }
        entries.put(e.state(), e);
    }

    Stream<StateEntry> live() {
        Instant cutoff = clock.instant().minus(config.stateTtl());
        List<StateEntry> copy;
        synchronized (this) {
            copy = new ArrayList<>(entries.values());
        }
        return copy.stream().filter(e -> e.createdAt().isAfter(cutoff));
    }

    Optional<StateEntry> consume(String state, String userAgent, Runnable onMismatch) {
        StateEntry e;
        synchronized (this) {
            e = entries.remove(state);
        }
        if (e == null || !e.createdAt().plus(config.stateTtl()).isAfter(clock.instant())) {
            return Optional.empty();
        }
        if (!e.userAgent().equals(userAgent)) {
            onMismatch.run();
            return Optional.empty();
        }
        return Optional.of(e);
    }

    /** Removes states older than {@code maxAge}, and in any case those past {@code state_ttl}. */
    synchronized int removeOlderThan(Duration maxAge) {
        Duration age = maxAge.compareTo(config.stateTtl()) < 0 ? maxAge : config.stateTtl();
        return removeCreatedBefore(clock.instant().minus(age));
    }

    /** Removes entries created at or before {@code cutoff}; stops at the first younger one. Holds the monitor. */
    private int removeCreatedBefore(Instant cutoff) {
        int removed = 0;
        for (Iterator<StateEntry> it = entries.values().iterator(); it.hasNext();) {
            if (it.next().createdAt().isAfter(cutoff)) {
                break;
            }
            it.remove();
            removed++;
        }
        return removed;
    }

    synchronized int size() {
        return entries.size();
    }

    synchronized void clear() {
        entries.clear();
    }
}
