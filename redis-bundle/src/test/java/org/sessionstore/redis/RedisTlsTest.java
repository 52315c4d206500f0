package org.sessionstore.redis;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.time.Instant;
import java.util.HashMap;
import java.util.Map;

import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.sessionstore.api.Session;
import org.sessionstore.api.StoreConfigException;
import org.sessionstore.api.StoreUnavailableException;
import org.sessionstore.testkit.MutableClock;
import org.sessionstore.testkit.redis.RedisServer;
import org.sessionstore.testkit.redis.TestCertificates;

/**
 * TLS against a real redis-server with certificates made for the test: the chain and the host
 * name are verified by default, mutual TLS works, and each refusal says why.
 */
class RedisTlsTest {

    private static TestCertificates certs;
    private final MutableClock clock = new MutableClock(Instant.now());

    @BeforeAll
    static void makeCertificates() throws Exception {
        certs = TestCertificates.create();
    }

    private RedisSessionStore store(String addr, String... keyValues) {
        Map<String, Object> config = new HashMap<>(Map.of("addr", addr, "tls", "true", "timeout", "2s",
                "tls_ca_file", certs.cert("ca").toString()));
        for (int i = 0; i < keyValues.length; i += 2) {
            config.put(keyValues[i], keyValues[i + 1]);
        }
        return new RedisSessionStore(RedisConfig.from(config), clock);
    }

    private Session session(String id) {
        Instant now = clock.instant();
        return new Session(id, "alice", "sub", now, now.plusSeconds(600), "token", null, null);
    }

    @Test
    void aCertificateForTheHostSignedByTheGivenCaWorksByAddressAndByName() throws Exception {
        try (RedisServer server = RedisServer.withTls(certs.cert("server"), certs.key("server"), certs.cert("ca"), false)) {
            try (RedisSessionStore store = store("127.0.0.1:" + server.tlsPort())) {
                store.addSession(session("over-tls"));
                assertEquals("alice", store.getSession("over-tls").orElseThrow().username());
            }
            try (RedisSessionStore store = store("localhost:" + server.tlsPort())) {
                assertTrue(store.sessionExists("over-tls"));
            }
        }
    }

    /** Defect: only ssl(true) reached Jedis, so a certificate for another host name was accepted. */
    @Test
    void aCertificateForAnotherHostIsRefusedSayingSo() throws Exception {
        try (RedisServer server = RedisServer.withTls(certs.cert("wronghost"), certs.key("wronghost"), certs.cert("ca"), false);
                RedisSessionStore store = store("127.0.0.1:" + server.tlsPort())) {
            StoreUnavailableException e = assertThrows(StoreUnavailableException.class, () -> store.addSession(session("x")));
            assertTrue(e.getMessage().contains("TLS refused: the server's certificate is not issued for this host name"),
                    e.getMessage());
            assertEquals("0", server.command("DBSIZE").replaceAll("[^0-9]", ""), "nothing reached the server");
        }
    }

    @Test
    void turningHostNameVerificationOffIsPossibleAndShown() throws Exception {
        try (RedisServer server = RedisServer.withTls(certs.cert("wronghost"), certs.key("wronghost"), certs.cert("ca"), false);
                RedisSessionStore store = store("127.0.0.1:" + server.tlsPort(), "tls_verify_hostname", "false")) {
            store.addSession(session("unverified"));
            assertTrue(store.sessionExists("unverified"));
            assertTrue(store.toString().contains("tls_verify_hostname=false"), store.toString());
        }
    }

    @Test
    void aServerSignedByAnUntrustedCaIsRefused() throws Exception {
        try (RedisServer server = RedisServer.withTls(certs.cert("rogue"), certs.key("rogue"), certs.cert("ca"), false);
                RedisSessionStore store = store("127.0.0.1:" + server.tlsPort())) {
            StoreUnavailableException e = assertThrows(StoreUnavailableException.class, () -> store.getSession("x"));
            assertTrue(e.getMessage().contains("not signed by a CA this store trusts"), e.getMessage());
        }
    }

    @Test
    void mutualTlsWorksWithTheClientCertificateAndFailsWithout() throws Exception {
        try (RedisServer server = RedisServer.withTls(certs.cert("server"), certs.key("server"), certs.cert("ca"), true)) {
            try (RedisSessionStore store = store("127.0.0.1:" + server.tlsPort(), "tls_cert_file",
                    certs.cert("client").toString(), "tls_key_file", certs.key("client").toString())) {
                store.addSession(session("mutual"));
                assertTrue(store.sessionExists("mutual"));
            }
            try (RedisSessionStore store = store("127.0.0.1:" + server.tlsPort())) {
                StoreUnavailableException e = assertThrows(StoreUnavailableException.class, () -> store.getSession("mutual"));
                assertTrue(e.getMessage().contains("requires a client certificate")
                        || e.getMessage().contains("is unavailable"), e.getMessage());
            }
        }
    }

    @Test
    void tlsFilesAreCheckedWhenTheStoreIsBuilt() {
        StoreConfigException missing = assertThrows(StoreConfigException.class,
                () -> store("127.0.0.1:1", "tls_ca_file", "/no/such/ca.pem"));
        assertEquals("tls_ca_file", missing.key());
        StoreConfigException notPem = assertThrows(StoreConfigException.class,
                () -> store("127.0.0.1:1", "tls_ca_file", certs.key("ca").toString()));
        assertTrue(notPem.getMessage().contains("holds no PEM certificate"), notPem.getMessage());
        StoreConfigException half = assertThrows(StoreConfigException.class,
                () -> store("127.0.0.1:1", "tls_cert_file", certs.cert("client").toString()));
        assertEquals("tls_key_file", half.key());
        StoreConfigException off = assertThrows(StoreConfigException.class, () -> RedisConfig.from(Map.of("tls_ca_file",
                certs.cert("ca").toString())));
        assertTrue(off.getMessage().contains("TLS is off; set tls=true"), off.getMessage());
        assertFalse(off.getMessage().contains("BEGIN"));
    }
}
