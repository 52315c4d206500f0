package org.sessionstore.redis;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.time.Duration;
import java.time.Instant;
import java.util.Map;

import org.junit.jupiter.api.Test;
import org.sessionstore.api.Session;
import org.sessionstore.api.StateEntry;
import org.sessionstore.testkit.MutableClock;
import org.sessionstore.testkit.redis.RedisServer;

/**
 * Least privilege: the store works as a Redis ACL user allowed only the commands and key
 * patterns it needs ({@link #ACL}, printed in the README), and that user can do nothing else.
 */
class RedisAclTest {

    /** The ACL rules the README gives, for the default prefixes. */
    static final String ACL = "on resetkeys ~session:* ~state:* resetchannels -@all"
            + " +evalsha +eval +hgetall +hmget +get +zcount +zrangebyscore +zrange +ping +client|setname"
            + " +del +hset +pexpire +zadd +hget +zrem +set +zremrangebyscore +getdel +exists +unlink +hdel +pttl +zcard +zpopmin +zscore +scan";

    @Test
    void theStoreWorksAsAnAclUserWithOnlyWhatItNeeds() throws Exception {
        try (RedisServer server = new RedisServer()) {
            server.command("ACL SETUSER sessionstore " + ACL + " >acl-secret-pw");
            MutableClock clock = new MutableClock(Instant.now());
            try (RedisSessionStore store = new RedisSessionStore(RedisConfig.from(Map.of("addr", server.addr(),
                    "username", "sessionstore", "password", "acl-secret-pw")), clock)) {
                Instant now = clock.instant();
                store.addSession(new Session("a", "alice", "sub", now, now.plusSeconds(60), "at", "it", "cv"));
                store.addSession(new Session("b", "bob", "sub", now, now.plusSeconds(3600), null, null, null));
                assertEquals("alice", store.getSession("a").orElseThrow().username());
                assertEquals("at", store.getField("a", "access_token").orElseThrow());
                assertTrue(store.sessionExists("b"));
                assertEquals(2, store.getSessionCount());
                assertEquals(java.util.List.of("sub"), store.subjects("s", 10));
                store.addStateEntry("st", "ua", "r", "u", "v");
                store.addStateEntry("st-client", "ua", "r", "u", "v", "10.0.0.1");
                assertTrue(store.validateAndRemoveState("st-client", "ua").isPresent());
                store.importState(new StateEntry("st2", now, "ua", "r", "u", "v"));
                assertEquals(2, store.liveStates().count());
                assertEquals(2, store.liveSessions().count());
                assertTrue(store.validateAndRemoveState("st", "ua").isPresent());
                clock.advance(Duration.ofMinutes(2));
                assertEquals(1, store.cleanExpired());
                assertEquals(1, store.cleanExpiredStates(Duration.ofMinutes(1)));
                assertTrue(store.deleteSession("b"));
            }
            String denied = server.command("AUTH sessionstore acl-secret-pw\r\nFLUSHALL\r\nKEYS *\r\nCONFIG GET maxmemory"
                    + "\r\nSET other:key 1");
            assertEquals(4, denied.split("NOPERM", -1).length - 1, "the ACL user could do more than the store needs:\n" + denied);
        }
    }
}
