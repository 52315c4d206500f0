package org.sessionstore.memory;

import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.Optional;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.stream.Stream;

import org.sessionstore.api.StateEntry;
import org.sessionstore.api.StoreFullException;

/**
 * The pending one-time states. Consuming is one {@link ConcurrentHashMap#remove}, so exactly
 * one caller gets an entry. States are queued in the order they were made, which is the order
 * they age in, so cleaning stops at the first young one instead of scanning them all; each add
 * also drops what is past {@code state_ttl}, so the queue stays bounded without a cleaner.
 */
final class StateTable {

    private final MemoryConfig config;
    private final Clock clock;
    private final ConcurrentHashMap<String, StateEntry> entries = new ConcurrentHashMap<>();
    private final ConcurrentLinkedQueue<StateEntry> byAge = new ConcurrentLinkedQueue<>();

    StateTable(MemoryConfig config, Clock clock) {
        this.config = config;
        this.clock = clock;
    }

    void add(String state, String userAgent, String requestUrl, String upstreamUrl, String codeVerifier) {
        Instant now = clock.instant();
        removeCreatedBefore(now.minus(config.stateTtl()));
        if (entries.size() >= config.maxStates() && !entries.containsKey(state)) {
            throw new StoreFullException("the memory store holds " + entries.size()
                    + " pending states, its limit max_states=" + config.maxStates()
                    + "; raise max_states or shorten state_ttl");
        }
        put(new StateEntry(state, now, userAgent, requestUrl, upstreamUrl, codeVerifier));
    }

    /** Stores an entry as it is (a hand-off from another store keeps its creation time). */
    void put(StateEntry e) {
        entries.put(e.state(), e);
        byAge.add(e);
    }

    Stream<StateEntry> live() {
        Instant cutoff = clock.instant().minus(config.stateTtl());
        return entries.values().stream().filter(e -> e.createdAt().isAfter(cutoff));
    }

    Optional<StateEntry> consume(String state, String userAgent) {
        StateEntry e = entries.remove(state);
        if (e == null || !e.userAgent().equals(userAgent)
                || !e.createdAt().plus(config.stateTtl()).isAfter(clock.instant())) {
            return Optional.empty();
        }
        return Optional.of(e);
    }

    int removeOlderThan(Duration maxAge) {
        return removeCreatedBefore(clock.instant().minus(maxAge));
    }

    /** Removes entries created at or before {@code cutoff}; stops at the first younger one. */
    private int removeCreatedBefore(Instant cutoff) {
        int removed = 0;
        for (StateEntry head; (head = byAge.peek()) != null && !head.createdAt().isAfter(cutoff);) {
            if (byAge.remove(head) && entries.remove(head.state(), head)) {
                removed++;
            }
        }
        return removed;
    }

    void clear() {
        entries.clear();
        byAge.clear();
    }
}
