package org.sessionstore.http;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.net.InetSocketAddress;
import java.nio.charset.StandardCharsets;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.Date;
import java.util.List;
import java.util.Map;
import java.util.UUID;

import com.nimbusds.jose.JOSEObjectType;
import com.nimbusds.jose.JWSAlgorithm;
import com.nimbusds.jose.JWSHeader;
import com.nimbusds.jose.JWSSigner;
import com.nimbusds.jose.crypto.ECDSASigner;
import com.nimbusds.jose.crypto.MACSigner;
import com.nimbusds.jose.crypto.RSASSASigner;
import com.nimbusds.jose.jwk.Curve;
import com.nimbusds.jose.jwk.ECKey;
import com.nimbusds.jose.jwk.JWKSet;
import com.nimbusds.jose.jwk.RSAKey;
import com.nimbusds.jose.jwk.gen.ECKeyGenerator;
import com.nimbusds.jose.jwk.gen.RSAKeyGenerator;
import com.nimbusds.jwt.JWTClaimsSet;
import com.nimbusds.jwt.PlainJWT;
import com.nimbusds.jwt.SignedJWT;
import com.sun.net.httpserver.HttpServer;

import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.sessionstore.api.Session;
import org.sessionstore.api.SessionStore;
import org.sessionstore.memory.MemoryStoreFactory;

/**
 * Back-channel logout against a real memory store, with tokens signed by keys this test generates
 * (RSA and EC) and served as a JWKS from a loopback HTTP server, as a provider's jwks_uri: a valid
 * token ends exactly its sid's sessions (or its sub's); a wrong signature, a wrong aud or iss, an
 * old or expired token, a replay, a nonce, no sid nor sub, an unsigned or HMAC token are 400 and
 * nothing is removed.
 */
class BackchannelLogoutTest {

    private static final String ISSUER = "https://idp.example.test/realms/r";
    private static final String CLIENT = "proxy-client";

    private HttpServer jwks;
    private RSAKey rsa;
    private ECKey ec;
    private RSAKey stranger;
    private SessionStore store;
    private LogoutTokens tokens;

    @BeforeEach
    void start() throws Exception {
        rsa = new RSAKeyGenerator(2048).keyID("rsa-1").generate();
        ec = new ECKeyGenerator(Curve.P_256).keyID("ec-1").generate();
        stranger = new RSAKeyGenerator(2048).keyID("rsa-1").generate(); // same kid, another key
        byte[] body = new JWKSet(List.of(rsa.toPublicJWK(), ec.toPublicJWK())).toString().getBytes(StandardCharsets.UTF_8);
        jwks = HttpServer.create(new InetSocketAddress("127.0.0.1", 0), 0);
        jwks.createContext("/jwks", x -> {
            x.getResponseHeaders().add("Content-Type", "application/json");
            x.sendResponseHeaders(200, body.length);
            x.getResponseBody().write(body);
            x.close();
        });
        jwks.start();
        String uri = "http://127.0.0.1:" + jwks.getAddress().getPort() + "/jwks";
        tokens = new LogoutTokens(ISSUER, CLIENT, BackchannelLogoutServlet.keys(uri), Duration.ofMinutes(2),
                Duration.ofSeconds(30), Clock.systemUTC());
        store = new MemoryStoreFactory().create(Map.of());
        Instant now = Instant.now();
        for (String[] s : new String[][] {{"a1", "alice", "idp-sid-1"}, {"a2", "alice", "idp-sid-1"}, {"a3", "alice", "idp-sid-2"},
            {"b1", "bob", "idp-sid-3"}}) {
            store.addSession(new Session(s[0], s[1], s[1], now, now.plusSeconds(3600), "at", null, null, s[2]));
        }
    }

    @AfterEach
    void stop() {
        jwks.stop(0);
        store.close();
    }

    private JWTClaimsSet.Builder claims() {
        return new JWTClaimsSet.Builder().issuer(ISSUER).audience(CLIENT).issueTime(new Date()).jwtID(UUID.randomUUID().toString())
                .claim("events", Map.of(LogoutTokens.EVENT, Map.of()));
    }

    private static String sign(JWTClaimsSet c, JWSSigner signer, JWSAlgorithm alg, String kid) throws Exception {
        SignedJWT jwt = new SignedJWT(new JWSHeader.Builder(alg).keyID(kid).type(new JOSEObjectType("logout+jwt")).build(), c);
        jwt.sign(signer);
        return jwt.serialize();
    }

    private String rsaSigned(JWTClaimsSet c) throws Exception {
        return sign(c, new RSASSASigner(rsa), JWSAlgorithm.RS256, "rsa-1");
    }

    private BackchannelLogoutServlet.Answer post(String token) {
        return BackchannelLogoutServlet.handle(tokens, store, token);
    }

    private List<String> left() {
        return List.of("a1", "a2", "a3", "b1").stream().filter(store::sessionExists).toList();
    }

    @Test
    void aValidTokenEndsExactlyTheSessionsOfItsSid() throws Exception {
        assertEquals(200, post(rsaSigned(claims().claim("sid", "idp-sid-1").subject("alice").build())).status());
        assertEquals(List.of("a3", "b1"), left(), "only idp-sid-1's sessions went");
        String ecToken = sign(claims().claim("sid", "idp-sid-3").build(), new ECDSASigner(ec), JWSAlgorithm.ES256, "ec-1");
        assertEquals(200, post(ecToken).status());
        assertEquals(List.of("a3"), left(), "an EC-signed token too");
        assertEquals(200, post(rsaSigned(claims().subject("alice").build())).status(), "no sid: every session of the sub");
        assertEquals(List.of(), left());
    }

    @Test
    void aBadTokenIs400AndRemovesNothing() throws Exception {
        Date old = Date.from(Instant.now().minusSeconds(600));
        Map<String, String> bad = new java.util.LinkedHashMap<>();
        bad.put("signed by another key", sign(claims().claim("sid", "idp-sid-1").build(), new RSASSASigner(stranger),
                JWSAlgorithm.RS256, "rsa-1"));
        bad.put("wrong aud", rsaSigned(claims().audience("someone-else").claim("sid", "idp-sid-1").build()));
        bad.put("wrong iss", rsaSigned(claims().issuer("https://evil.test").claim("sid", "idp-sid-1").build()));
        bad.put("too old", rsaSigned(claims().issueTime(old).claim("sid", "idp-sid-1").build()));
        bad.put("expired", rsaSigned(claims().expirationTime(Date.from(Instant.now().minusSeconds(120))).claim("sid",
                "idp-sid-1").build()));
        bad.put("in the future", rsaSigned(claims().issueTime(Date.from(Instant.now().plusSeconds(600))).claim("sid",
                "idp-sid-1").build()));
        bad.put("nonce", rsaSigned(claims().claim("nonce", "n-1").claim("sid", "idp-sid-1").build()));
        bad.put("neither sid nor sub", rsaSigned(claims().build()));
        bad.put("no events", rsaSigned(claims().claim("events", null).claim("sid", "idp-sid-1").build()));
        bad.put("no jti", rsaSigned(claims().jwtID(null).claim("sid", "idp-sid-1").build()));
        bad.put("unsigned", new PlainJWT(claims().claim("sid", "idp-sid-1").build()).serialize());
        bad.put("HMAC with the public key as secret", sign(claims().claim("sid", "idp-sid-1").build(),
                new MACSigner(java.util.Arrays.copyOf(rsa.toPublicJWK().toRSAPublicKey().getEncoded(), 64)), JWSAlgorithm.HS256,
                "rsa-1"));
        bad.put("not a JWT", "hello");
        bad.put("empty", "");
        for (Map.Entry<String, String> e : bad.entrySet()) {
            BackchannelLogoutServlet.Answer a = post(e.getValue());
            assertEquals(400, a.status(), e.getKey() + ": " + a.message());
            assertFalse(a.message().contains(e.getValue().length() > 20 ? e.getValue().substring(0, 20) : "\u0000"),
                    "the token is never repeated");
        }
        assertEquals(List.of("a1", "a2", "a3", "b1"), left(), "nothing was removed");
        String once = rsaSigned(claims().claim("sid", "idp-sid-2").build());
        assertEquals(200, post(once).status());
        store.addSession(new Session("a4", "alice", "alice", Instant.now(), Instant.now().plusSeconds(600), null, null, null,
                "idp-sid-2"));
        BackchannelLogoutServlet.Answer replay = post(once);
        assertEquals(400, replay.status());
        assertTrue(replay.message().contains("replayed"), replay.message());
        assertTrue(store.sessionExists("a4"), "a replay removes nothing");
    }
}
