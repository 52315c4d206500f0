package org.sessionstore.memory;

import java.util.Map;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.ConcurrentSkipListMap;
import java.util.function.Consumer;

/**
 * Finds the sessions that may have expired without looking at the others.
 *
 * <p>Session ids are appended to one-second slots keyed by their expiry. Cleaning takes the
 * slots that lie wholly in the past (their removal from the map hands each to exactly one
 * cleaner) and looks only at their ids, so its cost follows what it removes, not how many
 * sessions there are. Adds touch the map of slots only when the second changes: the last slot
 * used is cached. No lock is taken; readers of the sessions never wait for a cleaner.
 *
 * <p>An index entry can be stale (its session was deleted, replaced, or given a later expiry):
 * the cleaner checks the session itself before removing it, and the stale entry leaves with its
 * slot. Entries therefore live no longer than the expiry they were added with.
 */
final class ExpiryIndex {

    static final long SLOT_MILLIS = 1_000;

    /** One second of expiries; {@code retired} once a cleaner owns it. */
    private static final class Slot {
        final long key;
        final ConcurrentLinkedQueue<String> ids = new ConcurrentLinkedQueue<>();
        volatile boolean retired;

        Slot(long key) {
            this.key = key;
        }
    }

    private final ConcurrentSkipListMap<Long, Slot> slots = new ConcurrentSkipListMap<>();
    private volatile Slot lastUsed;

    /** Whether two expiries share a slot (so one index entry serves both). */
    static boolean sameSlot(long expiresAtMillis, long otherMillis) {
        return Math.floorDiv(expiresAtMillis, SLOT_MILLIS) == Math.floorDiv(otherMillis, SLOT_MILLIS);
    }

    /**
     * Indexes a session.
     *
     * @param id the session id
     * @param expiresAtMillis its expiry
     * @return false if the slot was already retired (so the caller must handle the session itself,
     *         which can only be an expired one)
     */
    boolean add(String id, long expiresAtMillis) {
        long key = Math.floorDiv(expiresAtMillis, SLOT_MILLIS);
        Slot slot = lastUsed;
        if (slot == null || slot.key != key || slot.retired) {
            slot = slots.computeIfAbsent(key, Slot::new);
            lastUsed = slot;
        }
        slot.ids.add(id);
        // retired is written before the cleaner drains: if we read false, our id is drained
        return !slot.retired;
    }

    /**
     * Hands every id whose slot lies wholly before {@code nowMillis} to {@code expired}, once,
     * and every id of the slot that holds {@code nowMillis} to {@code maybeExpired} (that slot
     * stays, as some of its sessions are still live).
     *
     * @param nowMillis now
     * @param expired receives ids of slots now retired
     * @param maybeExpired receives ids of the current slot
     */
    void drain(long nowMillis, Consumer<String> expired, Consumer<String> maybeExpired) {
        long current = Math.floorDiv(nowMillis, SLOT_MILLIS);
        for (Map.Entry<Long, Slot> e : slots.headMap(current).entrySet()) {
            Slot slot = e.getValue();
            if (slots.remove(e.getKey(), slot)) {
                slot.retired = true;
                for (String id; (id = slot.ids.poll()) != null;) {
                    expired.accept(id);
                }
            }
        }
        Slot now = slots.get(current);
        if (now != null) {
            now.ids.forEach(maybeExpired);
        }
    }

    /**
     * How many ids the index holds, stale ones included (for tests and diagnostics; a scan).
     *
     * @return the number of entries
     */
    long size() {
        return slots.values().stream().mapToLong(s -> s.ids.size()).sum();
    }

    void clear() {
        slots.clear();
        lastUsed = null;
    }
}
