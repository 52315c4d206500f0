package org.sessionstore.redis;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.security.SecureRandom;
import java.time.Instant;
import java.util.Base64;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.logging.Handler;
import java.util.logging.LogRecord;
import java.util.logging.Logger;

import org.junit.jupiter.api.Test;
import org.sessionstore.api.Session;
import org.sessionstore.api.SessionStore;
import org.sessionstore.api.crypto.EncryptedStore;
import org.sessionstore.api.crypto.TokenKeys;
import org.sessionstore.testkit.MutableClock;
import org.sessionstore.testkit.redis.RedisServer;

/**
 * Tokens encrypted at rest in a real Redis: what redis-cli shows holds no token, a key can be
 * rotated without losing a session, and a session no key decrypts is reported and absent.
 */
class RedisEncryptionTest {

    private static String newKey() {
        byte[] k = new byte[32];
        new SecureRandom().nextBytes(k);
        return Base64.getEncoder().encodeToString(k);
    }

    @Test
    void redisHoldsNoTokenInClearAndAKeyRotatesWithoutLosingASession() throws Exception {
        String key1 = newKey();
        String key2 = newKey();
        MutableClock clock = new MutableClock(Instant.now());
        List<String> logged = new CopyOnWriteArrayList<>();
        Handler capture = new Handler() {
            @Override
            public void publish(LogRecord r) {
                logged.add(java.text.MessageFormat.format(r.getMessage(), r.getParameters()));
            }

            @Override
            public void flush() {
            }

            @Override
            public void close() {
            }
        };
        Logger.getLogger("org.sessionstore.crypto").addHandler(capture);
        try (RedisServer server = new RedisServer()) {
            Instant now = clock.instant();
            try (SessionStore store = EncryptedStore.of(RedisSessionStoreTest.store(server, clock), TokenKeys.of(key1, null))) {
                store.addSession(new Session("s1", "alice", "sub-1", now, now.plusSeconds(600), "ACCESS-TOKEN-1",
                        "ID-TOKEN-1", "VERIFIER-1"));
                store.addStateEntry("st1", "ua", "https://app/", "http://up", "STATE-VERIFIER-1");
                String hash = server.command("HGETALL session:s1");
                String state = server.command("GET state:st1");
                for (String secret : List.of("ACCESS-TOKEN-1", "ID-TOKEN-1", "VERIFIER-1")) {
                    assertFalse(hash.contains(secret), "redis holds a token in clear:\n" + hash);
                }
                assertFalse(state.contains("STATE-VERIFIER-1"), state);
                assertTrue(hash.contains("alice") && hash.contains("enc1:"), "the user name stays readable:\n" + hash);
                assertEquals("ACCESS-TOKEN-1", store.getField("s1", "access_token").orElseThrow());
            }
            // rotation: a new key encrypts, the old one still decrypts
            try (SessionStore store = EncryptedStore.of(RedisSessionStoreTest.store(server, clock),
                    TokenKeys.of(key2, key1))) {
                assertEquals("ID-TOKEN-1", store.getSession("s1").orElseThrow().idToken());
                assertEquals("STATE-VERIFIER-1", store.validateAndRemoveState("st1", "ua").orElseThrow().codeVerifier());
                store.addSession(new Session("s2", "bob", "sub-2", now, now.plusSeconds(600), "ACCESS-TOKEN-2", null, null));
            }
            // the old key dropped: s1 cannot be decrypted, is reported with its key id, and reads as absent
            try (SessionStore store = EncryptedStore.of(RedisSessionStoreTest.store(server, clock), TokenKeys.of(key2, null))) {
                assertTrue(store.getSession("s1").isEmpty());
                assertEquals("ACCESS-TOKEN-2", store.getSession("s2").orElseThrow().accessToken());
                String oldId = TokenKeys.of(key1, null).currentId();
                assertTrue(logged.stream().anyMatch(l -> l.contains("session 's1' cannot be decrypted") && l.contains(oldId)),
                        logged.toString());
                assertFalse(logged.toString().contains(key1) || logged.toString().contains("ACCESS"), logged.toString());
            }
        } finally {
            Logger.getLogger("org.sessionstore.crypto").removeHandler(capture);
        }
    }
}
