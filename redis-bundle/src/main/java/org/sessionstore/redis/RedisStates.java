package org.sessionstore.redis;

import java.time.Clock;
import java.time.Instant;
import java.util.List;
import java.util.Optional;

import org.sessionstore.api.Ids;
import org.sessionstore.api.StateEntry;

/** The redis store's states: adding one within {@code max_states} and {@code max_states_per_client}, consuming one. */
final class RedisStates {

    private final RedisConfig config;
    private final Clock clock;
    private final Layout layout;
    private final RedisCalls calls;
    private final UnreadableRecord.Log unreadables;

    RedisStates(RedisConfig config, Clock clock, Layout layout, RedisCalls calls, UnreadableRecord.Log unreadables) {
        this.config = config;
        this.clock = clock;
        this.layout = layout;
        this.calls = calls;
        this.unreadables = unreadables;
    }

    private String stateKey(String state) {
        return layout.stateKey(state);
    }

    /**
     * One script writes the state and its index entry, drops what expired, and keeps the index at
     * {@code max_states} (in a cluster, each bucket at its share) and the client's own set at
     * {@code max_states_per_client}, the oldest going first: a flood of states never grows memory
     * beyond those bounds, so it cannot push sessions out under any eviction policy. In a cluster
     * the client's set lies in another slot: it is written in a step of its own, which returns the
     * states it pushed out, and those are removed where they lie.
     */
    void add(String state, String userAgent, String requestUrl, String upstreamUrl, String codeVerifier, String client) {
        Ids.require(state, "state");
        Ids.requireNonNull(userAgent, "userAgent");
        if (client != null) {
            Ids.require(client, "client");
        }
        long now = clock.millis();
        boolean perClient = client != null && config.maxStatesPerClient() > 0;
        String value = StateJson.write(new StateEntry(state, Instant.ofEpochMilli(now), userAgent, requestUrl,
                upstreamUrl, codeVerifier), perClient ? client : null);
        String index = layout.stateIndex(state);
        List<String> keys = perClient && !layout.cluster() ? List.of(stateKey(state), index, layout.clientKey(client))
                : List.of(stateKey(state), index);
        long pttl = config.stateTtl().toMillis();
        List<String> args = List.of(state, value, Long.toString(pttl), Long.toString(now), Long.toString(stateCap()),
                Long.toString(config.maxStatesPerClient()), index, layout.cluster() ? "" : layout.clientPrefix());
        Object pushedOut = calls.batchedScript("adding a state", Script.ADD_STATE, keys, args);
        if (layout.cluster()) {
            // states the index's bound pushed out: their entries in their clients' sets (other slots) go too
            List<String> pairs = Script.strings(pushedOut);
            for (int i = 0; i + 1 < pairs.size(); i += 2) {
                String clientKey = layout.clientKey(pairs.get(i));
                String old = pairs.get(i + 1);
                calls.redis("dropping a state's client entry", clientKey, j -> j.zrem(clientKey, old));
            }
            if (perClient) {
                Object out = calls.batchedScript("adding a state", Script.ADD_CLIENT_STATE, List.of(layout.clientKey(client)),
                        List.of(state, Long.toString(now), Long.toString(pttl), Long.toString(config.maxStatesPerClient())));
                for (String old : Script.strings(out)) {
                    String oldKey = stateKey(old);
                    calls.batched("dropping a client's oldest state", oldKey, p -> p.unlink(oldKey), layout.stateIndex(old), old,
                            true);
                }
            }
        }
    }

    /** The most states an index keeps: max_states, or in a cluster each bucket's share. */
    long stateCap() {
        return layout.cluster() ? (config.maxStates() + Layout.CLUSTER_BUCKETS - 1) / Layout.CLUSTER_BUCKETS
                : config.maxStates();
    }

    /** Consumes a state: GETDEL decides who gets it. */
    Optional<StateEntry> consume(String state, String userAgent, Runnable onMismatch) {
        Ids.require(state, "state");
        Ids.requireNonNull(userAgent, "userAgent");
        Ids.requireNonNull(onMismatch, "onMismatch");
        // GETDEL alone is the one step that decides who gets the state; the ZREM beside it only tidies the index
        // with min_replicas_ack, the consumption itself is confirmed by replicas before the state is
        // handed out: a primary that fails right after cannot be replaced by one that still has it
        String key = stateKey(state);
        String index = layout.stateIndex(state);
        String raw;
        try {
            raw = calls.batched("consuming a state", key, p -> p.getDel(key), index, state, true);
        } catch (RedisFailures.WrongType e) {
            unreadables.report(key, RedisSessionStore.OTHER_TYPE);
            return Optional.empty();
        }
        if (raw == null) {
            return Optional.empty();
        }
        String client = config.maxStatesPerClient() > 0 ? StateJson.client(raw) : null;
        if (client != null) {
            // its entry in its client's set goes with it, so the sets hold no more than the pending states
            String clientKey = layout.clientKey(client);
            calls.batched("consuming a state", clientKey, p -> p.zrem(clientKey, state));
        }
        StateEntry e;
        try {
            e = StateJson.read(state, raw);
        } catch (UnreadableRecord bad) {
            unreadables.report(stateKey(state), bad); // consumed all the same: a state gets one try
            return Optional.empty();
        }
        if (e.createdAt().plus(config.stateTtl()).toEpochMilli() <= clock.millis()) {
            return Optional.empty(); // too old: consumed all the same
        }
        if (!e.userAgent().equals(userAgent)) {
            onMismatch.run();
            return Optional.empty();
        }
        return Optional.of(e);
    }

    /** Removes states older than maxAge (and in any case past state_ttl), index by index. */
    int clean(java.time.Duration maxAge, RedisCleaner cleaner) {
        Ids.requireNonNull(maxAge, "maxAge");
        if (maxAge.isNegative()) {
            throw new IllegalArgumentException("maxAge must not be negative: " + maxAge);
        }
        // older than maxAge, and in any case past state_ttl
        long age = Math.min(maxAge.toMillis(), config.stateTtl().toMillis());
        return cleaner.cleanEachIndex(layout.stateIndexes(), Script.CLEAN_STATES, clock.millis() - age, "cleaning old states",
                "reconciling the state index");
    }

    /** A state copied from another store, keeping its creation time (a migration). */
    void importState(StateEntry entry) {
        Ids.requireNonNull(entry, "entry");
        long created = entry.createdAt().toEpochMilli();
        long pttl = created + config.stateTtl().toMillis() - clock.millis();
        if (pttl <= 0) {
            return;
        }
        List<String> keys = List.of(stateKey(entry.state()), layout.stateIndex(entry.state()));
        // ADD_STATE trims index entries older than (createdAt - pttl); with the remaining pttl that keeps live ones
        List<String> args = List.of(entry.state(), StateJson.write(entry), Long.toString(pttl), Long.toString(created),
                Long.toString(stateCap()), "0", keys.get(1), layout.cluster() ? "" : layout.clientPrefix());
        calls.redis("importing a state", keys.get(0), j -> {
            Object r = Script.ADD_STATE.run(j, keys, args);
            calls.awaitReplicas(j, keys.get(0), Replicas.changed(r));
            return r;
        });
    }
}
