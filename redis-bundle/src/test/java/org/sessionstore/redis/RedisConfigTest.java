package org.sessionstore.redis;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.time.Duration;
import java.util.Map;

import org.junit.jupiter.api.Test;
import org.sessionstore.api.StoreConfigException;

class RedisConfigTest {

    @Test
    void defaultsAreTheSeedsAndProductionOnes() {
        RedisConfig c = RedisConfig.from(Map.of());
        assertEquals("127.0.0.1:6379", c.addr());
        assertEquals(0, c.db());
        assertEquals("session:", c.sessionPrefix());
        assertEquals("state:", c.statePrefix());
        assertEquals(Duration.ofHours(24), c.ttl());
        assertEquals(Duration.ofMinutes(10), c.stateTtl());
        assertEquals(Duration.ofSeconds(2), c.timeout());
        assertEquals(16, c.poolSize());
        assertFalse(c.tls());
    }

    @Test
    void everyKeyIsRead() {
        Map<String, String> all = new java.util.HashMap<>(Map.of("addr", "[::1]:6380", "password", "pw", "username", "proxy",
                "db", "3", "session_prefix", "oathkeeper:session:", "state_prefix", "oathkeeper:state:", "ttl", "2h30m"));
        all.putAll(Map.of("state_ttl", "90s", "timeout", "500ms", "pool_size", "8", "tls", "true"));
        RedisConfig c = RedisConfig.from(all);
        assertEquals("::1", c.host());
        assertEquals(6380, c.port());
        assertEquals("[::1]:6380", c.addr());
        assertEquals(Duration.ofMinutes(150), c.ttl());
        assertEquals(Duration.ofMillis(500), c.timeout());
        assertTrue(c.tls());
    }

    @Test
    void badValuesNameTheKeyAndWhatIsAccepted() {
        assertBad("db", Map.of("db", "abc"), "a whole number from 0 to 65535");
        assertBad("ttl", Map.of("ttl", "-5m"), "a duration from 1s");
        assertBad("addr", Map.of("addr", "nohost"), "host:port only, such as 127.0.0.1:6379");
        assertBad("addr", Map.of("addr", "h:99999"), "host:port only");
        assertBad("pool_size", Map.of("pool_size", "0"), "a whole number from 1");
        assertBad("tls", Map.of("tls", "maybe"), "true or false");
        assertBad("state_prefix", Map.of("session_prefix", "x:", "state_prefix", "x:"), "must differ");
        assertBad("tll", Map.of("tll", "1h"), "known keys: addr, cluster_nodes, db, idle_timeout, master_name,"
                + " max_sessions_per_subject, max_states, max_states_per_client, min_replicas_ack, on_subject_limit, password,"
                + " pool_size, sentinel_password, sentinel_username, sentinels, session_prefix, state_prefix, state_ttl,"
                + " timeout, tls, tls_ca_file, tls_cert_file, tls_key_file, tls_verify_hostname, touch_after, ttl, username");
        // issue 19: the subject limit and idle keys are checked like the others
        assertBad("on_subject_limit", Map.of("max_sessions_per_subject", "3", "on_subject_limit", "drop"),
                "use evict_oldest (the subject's session that ends first goes) or refuse");
        assertBad("max_sessions_per_subject", Map.of("max_sessions_per_subject", "-1"), "a whole number from 0");
        assertBad("touch_after", Map.of("idle_timeout", "1m", "touch_after", "2m"), "is not below idle_timeout 1m");
        assertBad("idle_timeout", Map.of("idle_timeout", "1s"), "0 (off) or at least 2s");
        assertBad("touch_after", Map.of("touch_after", "5m"), "needs idle_timeout");
    }

    @Test
    void sentinelAndClusterKeysAreCheckedTogether() {
        RedisConfig s = RedisConfig.from(Map.of("sentinels", "10.0.0.1:26379, 10.0.0.2:26379,10.0.0.1:26379",
                "master_name", "sessions", "sentinel_password", "S3ntinelSecret", "min_replicas_ack", "1"));
        assertEquals(RedisConfig.Mode.SENTINEL, s.mode());
        assertEquals(2, s.sentinels().size(), "an address given twice counts once");
        assertEquals(1, s.minReplicasAck());
        assertTrue(!s.toString().contains("S3ntinelSecret"), s.toString());
        RedisConfig c = RedisConfig.from(Map.of("cluster_nodes", "127.0.0.1:7000,[::1]:7001"));
        assertEquals(RedisConfig.Mode.CLUSTER, c.mode());
        assertEquals("::1", c.clusterNodes().get(1).host());
        assertEquals(RedisConfig.Mode.STANDALONE, RedisConfig.from(Map.of()).mode());

        assertBad("cluster_nodes", Map.of("sentinels", "h:1", "master_name", "m", "cluster_nodes", "h:2"), "choose one");
        assertBad("addr", Map.of("addr", "h:1", "cluster_nodes", "h:2"), "choose one");
        assertBad("master_name", Map.of("sentinels", "h:1"), "go together");
        assertBad("sentinels", Map.of("master_name", "m"), "go together");
        assertBad("sentinel_password", Map.of("sentinel_password", "x"), "'sentinels' is not");
        assertBad("db", Map.of("cluster_nodes", "h:2", "db", "3"), "only database 0");
        assertBad("min_replicas_ack", Map.of("min_replicas_ack", "17"), "from 0 to 16");
        assertBad("cluster_nodes", Map.of("cluster_nodes", " , "), "names no host:port");
        assertBad("master_name", Map.of("cluster_nodes", "h:1", "master_name", "m"), "needs only cluster_nodes");
        assertBad("session_prefix", Map.of("cluster_nodes", "h:1", "session_prefix", "app{x}:s:"), "one slot");
        StoreConfigException e = assertThrows(StoreConfigException.class,
                () -> RedisConfig.from(Map.of("sentinels", "redis://:Pw0rd@h:1", "master_name", "m")));
        assertTrue(!e.getMessage().contains("Pw0rd") && e.getMessage().contains("items separated by commas"),
                e.getMessage());
    }

    private static void assertBad(String key, Map<String, ?> config, String accepted) {
        StoreConfigException e = assertThrows(StoreConfigException.class, () -> RedisConfig.from(config));
        assertEquals(key, e.key());
        assertTrue(e.getMessage().contains(accepted), e.getMessage());
    }

    /** Defect: addr=redis://:S@host:port was accepted, and S then appeared in use, info and every error. */
    @Test
    void anAddressIsHostAndPortOnlyAndABadOneIsNeverRepeated() {
        for (String bad : new String[] {"redis://:s3cret@127.0.0.1:6379", "user:s3cret@127.0.0.1:6379",
            "rediss://127.0.0.1:6379", "127.0.0.1:6379/0", "s3cret host:6379", "127.0.0.1:6379?password=s3cret", "-h:1"}) {
            StoreConfigException e = assertThrows(StoreConfigException.class, () -> RedisConfig.from(Map.of("addr", bad)));
            assertEquals("addr", e.key());
            assertFalse(e.getMessage().contains("s3cret") || e.getMessage().contains(bad), e.getMessage());
        }
        assertEquals("redis.example.com:6380", RedisConfig.from(Map.of("addr", "redis.example.com:6380")).addr());
        assertEquals("10.0.0.7:6379", RedisConfig.from(Map.of("addr", "10.0.0.7:6379")).addr());
        assertEquals("[fe80::1]:6379", RedisConfig.from(Map.of("addr", "[fe80::1]:6379")).addr());
    }

    @Test
    void passwordNeverShows() {
        RedisConfig c = RedisConfig.from(Map.of("password", "hunter2"));
        assertFalse(c.toString().contains("hunter2"), c.toString());
        assertTrue(c.toString().contains("password=***"));
    }
}
