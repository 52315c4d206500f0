package org.sessionstore.redis;

import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;

import redis.clients.jedis.util.JedisClusterCRC16;

/**
 * Where each entry lives: the key names of sessions, states and their indexes.
 *
 * <p>One server (standalone or Sentinel): the layout of the README, unchanged: a session is
 * {@code session_prefix + id}, the key named exactly {@code session_prefix} indexes them; the same
 * for states.
 *
 * <p>Redis Cluster: a script may only touch keys of one slot, and an entry's key and its index
 * entry are written by one script, so entries are grouped in {@value #CLUSTER_BUCKETS} buckets,
 * each a hash tag: a session is {@code session_prefix + "{" + tag + "}" + id} and its bucket's
 * index is {@code session_prefix + "{" + tag + "}"} (the same rule as one server, with the bucket's
 * prefix: a bucket is a small standalone layout, so the scripts are the same). An id's bucket
 * follows the slot its id would have ({@code CRC16(id) mod 16384}, 128 slots per bucket), and the
 * tag of bucket b is the first number whose own slot lies in b's 128 slots: the buckets sit evenly
 * over the slot space, so they, and the entries, spread over the shards as evenly as the shards
 * split the slots (3 shards: 42 or 43 buckets each). Counting asks the {@value #CLUSTER_BUCKETS}
 * indexes ({@code ZCOUNT}, one pipeline per shard); cleaning goes bucket by bucket and still
 * reads only what expired. The tags are computed, never stored, and never change: they are part
 * of the data layout.
 */
final class Layout {

    /** Buckets of a cluster layout; fixed forever (it names the keys). */
    static final int CLUSTER_BUCKETS = 128;
    static final int SLOTS = 16_384;

    /** The hash tag of each bucket: a number whose slot lies in the bucket's range of slots. */
    private static final String[] TAGS = tags();

    private final String sessionPrefix;
    private final String statePrefix;
    private final boolean cluster;

    Layout(String sessionPrefix, String statePrefix, boolean cluster) {
        this.sessionPrefix = sessionPrefix;
        this.statePrefix = statePrefix;
        this.cluster = cluster;
    }

    private static String[] tags() {
        String[] t = new String[CLUSTER_BUCKETS];
        int found = 0;
        for (int n = 0; found < CLUSTER_BUCKETS; n++) {
            String tag = Integer.toString(n);
            int b = JedisClusterCRC16.getSlot(tag) * CLUSTER_BUCKETS / SLOTS;
            if (t[b] == null) {
                t[b] = tag;
                found++;
            }
        }
        return t;
    }

    /** The bucket of an id: the one whose slots hold the slot of the id itself. */
    static int bucket(String id) {
        int slot = JedisClusterCRC16.getCRC16(id.getBytes(StandardCharsets.UTF_8)) & (SLOTS - 1);
        return slot * CLUSTER_BUCKETS / SLOTS;
    }

    boolean cluster() {
        return cluster;
    }

    /**
     * Where a round that waits for replicas writes and deletes its confirmation ({@link
     * Replicas#CONFIRM_SCRIPT}): under the session prefix and, in a cluster, in the bucket of {@code
     * key} (its hash tag, so on the node that serves the key), then NUL and {@code confirm}. Never a
     * key that holds data: an id holds no control character, and the subjects', sids' and clients'
     * sets go on with NUL and their own word (review: beside {@code key}, the name could be another
     * subject's set in a cluster, and the script deleted it).
     */
    static String confirmKey(String sessionPrefix, boolean cluster, String key) {
        if (cluster) {
            int open = key.indexOf('{');
            int close = open < 0 ? -1 : key.indexOf('}', open + 1);
            if (close > open + 1) {
                return sessionPrefix + key.substring(open, close + 1) + "\u0000confirm";
            }
        }
        return sessionPrefix + "\u0000confirm";
    }

    /** The prefix of the session's bucket, which is also the name of that bucket's index. */
    String sessionIndex(String id) {
        return cluster ? sessionPrefix + "{" + TAGS[bucket(id)] + "}" : sessionPrefix;
    }

    String sessionKey(String id) {
        return sessionIndex(id) + id;
    }

    /** The SCAN pattern of the subjects' sets whose subject starts with {@code start} (every bucket's in a cluster). */
    String subjectPattern(String start) {
        return glob(sessionPrefix) + (cluster ? "{*}" : "") + SUB + glob(start) + "*";
    }

    /** The subject of a subject's set key (see {@link #subjectKey}). */
    static String subjectOf(String subjectKey) {
        return subjectKey.substring(subjectKey.indexOf(SUB) + SUB.length());
    }

    private static final String SUB = "\u0000sub\u0000";

    private static String glob(String literal) {
        return literal.replaceAll("([*?\\[\\]\\\\^])", "\\\\$1");
    }

    /**
     * The sorted set of a subject's session ids (by expiry), for revoking them: the session prefix
     * (in a cluster, that of the subject's bucket), then NUL, {@code sub}, NUL, then the subject. An
     * id never holds a control character, so this name is never a session's key, and it stays
     * under the session prefix (ACL key patterns such as {@code ~session:*} cover it).
     */
    String subjectKey(String sub) {
        String prefix = cluster ? sessionPrefix + "{" + TAGS[bucket(sub)] + "}" : sessionPrefix;
        return prefix + SUB + sub;
    }

    /**
     * The sorted set of the session ids of an identity provider's session (OIDC {@code sid}, by
     * expiry), for back-channel logout: as {@link #subjectKey}, with {@code sid} in place of {@code sub}.
     */
    String sidKey(String sid) {
        String prefix = cluster ? sessionPrefix + "{" + TAGS[bucket(sid)] + "}" : sessionPrefix;
        return prefix + "\u0000sid\u0000" + sid;
    }

    /**
     * The sorted set of a client's pending states (by creation), for {@code max_states_per_client}:
     * the state prefix (in a cluster, that of the client's bucket), NUL, {@code client}, NUL, the
     * client. A state never holds a control character, so this is never a state's key.
     */
    String clientKey(String client) {
        return clientPrefix(cluster ? statePrefix + "{" + TAGS[bucket(client)] + "}" : statePrefix) + client;
    }

    /** The part of a client's key before the client, on one server (a script builds the keys from it). */
    String clientPrefix() {
        return clientPrefix(statePrefix);
    }

    private static String clientPrefix(String prefix) {
        return prefix + "\u0000client\u0000";
    }

    String stateIndex(String state) {
        return cluster ? statePrefix + "{" + TAGS[bucket(state)] + "}" : statePrefix;
    }

    String stateKey(String state) {
        return stateIndex(state) + state;
    }

    /** Every session index (one, or one per bucket); an entry's key is its index's name plus its id. */
    List<String> sessionIndexes() {
        return indexes(sessionPrefix);
    }

    /** Every state index. */
    List<String> stateIndexes() {
        return indexes(statePrefix);
    }

    private List<String> indexes(String prefix) {
        if (!cluster) {
            return List.of(prefix);
        }
        List<String> out = new ArrayList<>(CLUSTER_BUCKETS);
        for (String tag : TAGS) {
            out.add(prefix + "{" + tag + "}");
        }
        return out;
    }
}
