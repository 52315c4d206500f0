package org.sessionstore.memory;

import java.util.HashSet;
import java.util.Map;
import java.util.concurrent.ConcurrentSkipListMap;
import java.util.function.Consumer;

/**
 * Finds the sessions that may have expired without looking at the others.
 *
 * <p>Session ids sit in one-second slots keyed by their expiry, each id in exactly one slot:
 * the store moves an id when a session is replaced with an expiry in another second and takes it
 * out when the session is deleted, so the index holds one entry per live session, plus at most
 * the expired ones not yet cleaned, whatever the pattern of adds (a re-add flood leaves one
 * entry, not one per add). A slot left empty is dropped at once, so far-future seconds cost
 * nothing once their sessions are gone. Cleaning takes the slots that lie wholly in the past and
 * looks only at their ids: its cost follows what it removes, not how many sessions there are.
 *
 * <p>Locks: each slot is its own monitor, held only for a set operation, never while calling
 * out. The store calls {@link #add} and {@link #remove} while holding the session's map entry
 * (inside {@code ConcurrentHashMap.compute}); {@link #drain} holds no entry while it takes a slot,
 * and hands ids out after releasing it, so the order is always map entry, then slot.
 */
final class ExpiryIndex {

    static final long SLOT_MILLIS = 1_000;

    /** One second of expiries. */
    private static final class Slot {
        final long key;
        // guarded by this
        final HashSet<String> ids = new HashSet<>();
        /** Out of the map (cleaned or empty): never written again. Guarded by this. */
        boolean dead;

        Slot(long key) {
            this.key = key;
        }
    }

    private final ConcurrentSkipListMap<Long, Slot> slots = new ConcurrentSkipListMap<>();
    /** The slot used last: adds of one second touch the map of slots once. */
    private volatile Slot lastUsed;

    static long slotOf(long expiresAtMillis) {
        return Math.floorDiv(expiresAtMillis, SLOT_MILLIS);
    }

    /** Whether two expiries share a slot (so the index needs no change when one replaces the other). */
    static boolean sameSlot(long expiresAtMillis, long otherMillis) {
        return slotOf(expiresAtMillis) == slotOf(otherMillis);
    }

    /** Indexes a session by its expiry. */
    void add(String id, long expiresAtMillis) {
        long key = slotOf(expiresAtMillis);
        while (true) {
            Slot slot = lastUsed;
            if (slot == null || slot.key != key) {
                slot = slots.computeIfAbsent(key, Slot::new);
                lastUsed = slot;
            }
            synchronized (slot) {
                if (!slot.dead) {
                    slot.ids.add(id);
                    return;
                }
            }
            // cleaned or dropped empty meanwhile: a fresh slot takes its place (a cleaned second
            // gets cleaned again next time)
            lastUsed = null;
        }
    }

    /** Takes a session out of the slot of its expiry. */
    void remove(String id, long expiresAtMillis) {
        long key = slotOf(expiresAtMillis);
        Slot slot = slots.get(key);
        if (slot == null) {
            return;
        }
        synchronized (slot) {
            if (slot.dead || !slot.ids.remove(id) || !slot.ids.isEmpty()) {
                return;
            }
            slot.dead = true;
            slots.remove(key, slot);
        }
    }

    /** Moves a session from the slot of one expiry to that of another. */
    void move(String id, long fromMillis, long toMillis) {
        if (!sameSlot(fromMillis, toMillis)) {
            add(id, toMillis);
            remove(id, fromMillis);
        }
    }

    /**
     * Hands every id whose slot lies wholly before {@code nowMillis} to {@code expired}, once,
     * and every id of the slot that holds {@code nowMillis} to {@code maybeExpired} (that slot
     * stays, as some of its sessions are still live).
     *
     * @param nowMillis now
     * @param expired receives ids of slots now cleaned
     * @param maybeExpired receives ids of the current slot
     */
    void drain(long nowMillis, Consumer<String> expired, Consumer<String> maybeExpired) {
        long current = slotOf(nowMillis);
        for (Map.Entry<Long, Slot> e : slots.headMap(current).entrySet()) {
            Slot slot = e.getValue();
            if (slots.remove(e.getKey(), slot)) {
                String[] ids;
                synchronized (slot) {
                    slot.dead = true;
                    ids = slot.ids.toArray(new String[0]);
                    slot.ids.clear();
                }
                for (String id : ids) {
                    expired.accept(id);
                }
            }
        }
        Slot now = slots.get(current);
        if (now != null) {
            String[] ids;
            synchronized (now) {
                ids = now.ids.toArray(new String[0]);
            }
            for (String id : ids) {
                maybeExpired.accept(id);
            }
        }
    }

    /**
     * How many ids the index holds (a scan; for tests and diagnostics).
     *
     * @return the number of entries
     */
    long size() {
        long n = 0;
        for (Slot s : slots.values()) {
            synchronized (s) {
                n += s.ids.size();
            }
        }
        return n;
    }

    /** How many slots there are (for tests: empty ones are dropped). */
    int slotCount() {
        return slots.size();
    }

    void clear() {
        slots.clear();
        lastUsed = null;
    }
}
