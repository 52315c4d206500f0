package org.sessionstore.memory;

import java.util.List;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;

/**
 * The ids of the sessions of each key (a subject, a sid): an id joins its key's set after its
 * session is in the store's map, and leaves it only under the map entry's lock while that session
 * leaves the map, so a live session is always in its key's set (a set may also hold an id whose
 * session was replaced by one of another key: readers check). Empty sets go. {@link #lock} gives
 * the stripe of a key, for work that must be one step per key (the per-subject limit); a stripe is
 * always taken before any map entry's lock, never inside one.
 */
final class KeyIndex {

    private final ConcurrentHashMap<String, Set<String>> sets = new ConcurrentHashMap<>();
    private final Object[] stripes = new Object[256];

    KeyIndex() {
        for (int i = 0; i < stripes.length; i++) {
            stripes[i] = new Object();
        }
    }

    void add(String key, String id) {
        sets.compute(key, (k, ids) -> {
            Set<String> set = ids != null ? ids : ConcurrentHashMap.newKeySet();
            set.add(id);
            return set;
        });
    }

    void remove(String key, String id) {
        sets.computeIfPresent(key, (k, ids) -> {
            ids.remove(id);
            return ids.isEmpty() ? null : ids;
        });
    }

    /** A copy of the key's ids (empty if none). */
    List<String> ids(String key) {
        Set<String> ids = sets.get(key);
        return ids == null ? List.of() : List.copyOf(ids);
    }

    /** The first {@code limit} keys in name order that start with {@code prefix} (one pass, {@code limit} kept). */
    List<String> keys(String prefix, int limit) {
        java.util.TreeSet<String> first = new java.util.TreeSet<>();
        for (String key : sets.keySet()) {
            if (key.startsWith(prefix) && (first.size() < limit || key.compareTo(first.last()) < 0)) {
                first.add(key);
                if (first.size() > limit) {
                    first.pollLast();
                }
            }
        }
        return List.copyOf(first);
    }

    Object lock(String key) {
        return stripes[(key.hashCode() & 0x7fffffff) % stripes.length];
    }

    void clear() {
        sets.clear();
    }

    /** For tests: keys indexed. */
    int keys() {
        return sets.size();
    }

    /** For tests: ids indexed, over all keys. */
    long entries() {
        return sets.values().stream().mapToLong(Set::size).sum();
    }
}
