package org.sessionstore.redis;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.stream.Stream;

import org.junit.jupiter.api.Test;
import org.sessionstore.api.Session;
import org.sessionstore.api.StateEntry;
import org.sessionstore.testkit.MutableClock;
import org.sessionstore.testkit.redis.RedisCluster;
import org.sessionstore.testkit.redis.RedisServer;

/**
 * The cluster layout on a real 3-primary cluster: entries spread over the shards, counting and
 * cleaning through the bucket indexes, and a live standalone store moved into the cluster the
 * way {@code use redis --migrate} moves it (every live session and state read out of the old
 * store, added to the new one, states with their creation time).
 */
class RedisClusterLayoutTest {

    private final MutableClock clock = new MutableClock(Instant.now());

    private Session session(String id, Duration ttl) {
        Instant now = clock.instant();
        return new Session(id, "user-" + id, "sub-" + id, now, now.plus(ttl), "at-" + id, "it-" + id, null);
    }

    @Test
    void bucketsSpreadEvenlyAndEachHasATagOfItsOwnSlotRange() {
        Layout layout = new Layout("session:", "state:", true);
        java.util.Set<String> indexes = new java.util.HashSet<>(layout.sessionIndexes());
        assertEquals(Layout.CLUSTER_BUCKETS, indexes.size());
        int[] perBucket = new int[Layout.CLUSTER_BUCKETS];
        for (int i = 0; i < 100_000; i++) {
            String id = java.util.UUID.nameUUIDFromBytes(("s" + i).getBytes()).toString();
            String index = layout.sessionIndex(id);
            assertEquals(index + id, layout.sessionKey(id));
            assertEquals(redis.clients.jedis.util.JedisClusterCRC16.getSlot(index),
                    redis.clients.jedis.util.JedisClusterCRC16.getSlot(layout.sessionKey(id)), "key and index share a slot");
            perBucket[Layout.bucket(id)]++;
        }
        int min = java.util.Arrays.stream(perBucket).min().orElseThrow();
        int max = java.util.Arrays.stream(perBucket).max().orElseThrow();
        System.out.println("100,000 ids over 128 buckets: " + min + " to " + max + " per bucket");
        assertTrue(min > 600 && max < 960, min + ".." + max); // 781 expected each; far outside means a broken hash
        // the standalone layout is unchanged
        Layout one = new Layout("session:", "state:", false);
        assertEquals("session:abc", one.sessionKey("abc"));
        assertEquals(List.of("session:"), one.sessionIndexes());
    }

    @Test
    void aStandaloneStoreMovesIntoAClusterWithNothingLost() throws Exception {
        try (RedisServer server = new RedisServer("--appendonly", "no");
                RedisCluster cluster = new RedisCluster(3, 0);
                RedisSessionStore from = new RedisSessionStore(RedisConfig.from(Map.of("addr", server.addr())), clock);
                RedisSessionStore to = new RedisSessionStore(RedisConfig.from(Map.of("cluster_nodes", cluster.seeds())),
                        clock)) {
            for (int i = 0; i < 3_000; i++) {
                from.addSession(session("m" + i, Duration.ofHours(1 + i % 5)));
            }
            for (int i = 0; i < 300; i++) {
                from.addStateEntry("st" + i, "ua", "https://app/" + i, "https://up", "cv" + i);
            }
            clock.advance(Duration.ofMinutes(2));
            try (Stream<Session> live = from.liveSessions()) {
                live.forEach(to::addSession);
            }
            try (Stream<StateEntry> live = from.liveStates()) {
                live.forEach(to::importState);
            }
            assertEquals(3_000, to.getSessionCount());
            Session m7 = to.getSession("m7").orElseThrow();
            assertEquals("at-m7", m7.accessToken());
            assertEquals(from.getSession("m7").orElseThrow(), m7);
            Optional<StateEntry> st = to.validateAndRemoveState("st9", "ua");
            assertEquals("https://app/9", st.orElseThrow().requestUrl());
            assertEquals(clock.instant().minus(Duration.ofMinutes(2)).toEpochMilli(), st.get().createdAt().toEpochMilli(),
                    "a state keeps its creation time, so it expires when it would have");
            List<Long> keys = cluster.keysPerPrimary();
            System.out.println("3,000 sessions and 299 states moved into 3 shards: keys per shard " + keys);
            for (long k : keys) {
                assertTrue(k > 800, "every shard holds its share: " + keys);
            }
            // counting and cleaning work across the shards
            clock.advance(Duration.ofHours(2));
            int cleaned = to.cleanExpired();
            assertEquals(to.getSessionCount(), 3_000 - cleaned);
            assertEquals(1_200, cleaned, "the sessions of 1 and 2 hours expired"); // i%5 in {0,1}: 1h and 2h
            assertTrue(to.details().get("redis").startsWith("Cluster: 3 primaries"), to.details().toString());
        }
    }
}
