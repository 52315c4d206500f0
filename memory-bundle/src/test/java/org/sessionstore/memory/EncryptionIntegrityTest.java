package org.sessionstore.memory;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.time.Clock;
import java.time.Instant;
import java.util.Base64;
import java.util.List;

import org.junit.jupiter.api.Test;
import org.sessionstore.api.Session;
import org.sessionstore.api.SessionStore;
import org.sessionstore.api.TransferableStore;
import org.sessionstore.api.crypto.EncryptedStore;
import org.sessionstore.api.crypto.TokenKeys;

/**
 * The encryption layer over a real memory store: integrity (a token in clear is not returned while
 * a key is set), tokens that look like a format round-trip with no key, and the migration path for
 * values stored before encryption was turned on (copy them through a store with the key).
 */
class EncryptionIntegrityTest {

    private static final TokenKeys KEYS = TokenKeys.of(Base64.getEncoder().encodeToString(new byte[32]), null);
    private final MemorySessionStore backend = new MemorySessionStore(MemoryConfig.defaults(), Clock.systemUTC());

    private static Session session(String id, String accessToken) {
        Instant now = Instant.now();
        return new Session(id, "u", "u", now, now.plusSeconds(600), accessToken, "id-" + id, null);
    }

    @Test
    void aTokenInClearIsNotReturnedWhileAKeyIsSetAndIsCounted() {
        backend.addSession(session("planted", "attacker-token")); // written behind the encryption's back
        SessionStore sealed = EncryptedStore.of(backend, KEYS);
        assertFalse(sealed.getSession("planted").isPresent());
        assertFalse(sealed.getField("planted", "access_token").isPresent());
        assertFalse(sealed.sessionExists("planted"));
        assertTrue(sealed.unreadableRecords() >= 3);
        sealed.addSession(session("real", "real-token"));
        assertEquals("real-token", sealed.getSession("real").orElseThrow().accessToken());
        assertTrue(backend.getSession("real").orElseThrow().accessToken().startsWith("enc1:"));
    }

    @Test
    void withNoKeyATokenThatStartsWithEnc1IsReadBack() {
        SessionStore none = EncryptedStore.of(backend, TokenKeys.none());
        none.addSession(session("odd", "enc1:looks:sealed"));
        assertEquals("enc1:looks:sealed", none.getSession("odd").orElseThrow().accessToken());
        assertEquals("enc1:looks:sealed", none.getField("odd", "access_token").orElseThrow());
        assertEquals(0, none.unreadableRecords());
    }

    /** The documented path: values stored in clear are copied through a store with the key (use --migrate does this). */
    @Test
    void valuesStoredBeforeEncryptionAreMigratedSealed() {
        SessionStore before = EncryptedStore.of(backend, TokenKeys.none());
        before.addSession(session("old-1", "t1"));
        before.addSession(session("old-2", "t2"));
        MemorySessionStore next = new MemorySessionStore(MemoryConfig.defaults(), Clock.systemUTC());
        SessionStore after = EncryptedStore.of(next, KEYS);
        List<Session> live = ((TransferableStore) before).liveSessions().toList();
        live.forEach(after::addSession);
        assertEquals("t1", after.getSession("old-1").orElseThrow().accessToken());
        assertTrue(next.getSession("old-2").orElseThrow().accessToken().startsWith("enc1:"));
        assertFalse(EncryptedStore.of(backend, KEYS).getSession("old-1").isPresent(),
                "unmigrated, the clear value is not trusted once the key is set");
    }
}
