package org.sessionstore.distribution;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.net.ServerSocket;
import java.net.URI;
import java.net.URLEncoder;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Date;
import java.util.Map;
import java.util.UUID;

import com.nimbusds.jose.JOSEObjectType;
import com.nimbusds.jose.JWSAlgorithm;
import com.nimbusds.jose.JWSHeader;
import com.nimbusds.jose.crypto.RSASSASigner;
import com.nimbusds.jose.jwk.JWKSet;
import com.nimbusds.jose.jwk.RSAKey;
import com.nimbusds.jose.jwk.gen.RSAKeyGenerator;
import com.nimbusds.jwt.JWTClaimsSet;
import com.nimbusds.jwt.SignedJWT;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The real jar's back-channel logout endpoint: off until configured; configured with an issuer, an
 * audience and a JWKS file, a POSTed logout_token signed by the test's key ends the sessions of its
 * sid (seen through the shell's get), a bad one is 400 and ends nothing.
 */
class BackchannelLogoutIT {

    @TempDir
    Path home;

    private static final String EVENT = "http://schemas.openid.net/event/backchannel-logout";

    private static HttpResponse<String> post(int port, String form) throws Exception {
        return HttpClient.newHttpClient().send(HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + port
                + "/sessionstore/backchannel-logout")).timeout(Duration.ofSeconds(10))
                .header("Content-Type", "application/x-www-form-urlencoded").POST(HttpRequest.BodyPublishers.ofString(form))
                .build(), HttpResponse.BodyHandlers.ofString());
    }

    @Test
    void aSignedLogoutTokenEndsItsSidsSessionsOverHttp() throws Exception {
        int port;
        try (ServerSocket s = new ServerSocket(0)) {
            port = s.getLocalPort();
        }
        RSAKey key = new RSAKeyGenerator(2048).keyID("k1").generate();
        Path etc = home.resolve("etc");
        Files.createDirectories(etc);
        Path jwks = home.resolve("jwks.json");
        Files.writeString(jwks, new JWKSet(key.toPublicJWK()).toString());
        Files.writeString(etc.resolve("org.sessionstore.backchannel.cfg"), "issuer = https://idp.test\naudience = proxy\n"
                + "jwks = " + jwks + "\n");
        try (RunningJar jar = new RunningJar(home, "-Dorg.osgi.service.http.port=" + port)) {
            jar.poll("sessionstore:count", out -> out.contains("0"), 60_000);
            jar.send("sessionstore:add --sid idp-7 s1 alice 1h");
            jar.send("sessionstore:add --sid idp-7 s2 alice 1h");
            jar.send("sessionstore:add --sid idp-8 s3 alice 1h");
            jar.awaitOut(out -> out.contains("added session s3"), 30_000);
            SignedJWT jwt = new SignedJWT(new JWSHeader.Builder(JWSAlgorithm.RS256).keyID("k1")
                    .type(new JOSEObjectType("logout+jwt")).build(), new JWTClaimsSet.Builder().issuer("https://idp.test")
                    .audience("proxy").issueTime(new Date()).jwtID(UUID.randomUUID().toString()).claim("sid", "idp-7")
                    .claim("events", Map.of(EVENT, Map.of())).build());
            jwt.sign(new RSASSASigner(key));
            String form = "logout_token=" + URLEncoder.encode(jwt.serialize(), StandardCharsets.UTF_8);
            HttpResponse<String> bad = null;
            long until = System.currentTimeMillis() + 60_000;
            while (System.currentTimeMillis() < until) {
                try {
                    bad = post(port, "logout_token=not-a-jwt");
                    if (bad.statusCode() != 404) {
                        break; // the endpoint is there
                    }
                } catch (java.io.IOException notYet) {
                    // HTTP not up yet
                }
                Thread.sleep(200);
            }
            assertEquals(400, bad.statusCode(), String.valueOf(bad.body()));
            assertTrue(bad.body().contains("not a signed JWT"), bad.body());
            assertEquals(200, post(port, form).statusCode());
            assertEquals(400, post(port, form).statusCode(), "a replay is refused");
            jar.send("sessionstore:get s1");
            jar.send("sessionstore:get s2");
            jar.send("sessionstore:get s3");
            jar.awaitOut(out -> out.contains("username      alice"), 30_000);
            Thread.sleep(500);
            String out = jar.out();
            assertTrue(out.contains("no session 's1'") && out.contains("no session 's2'"), out);
            assertFalse(out.contains("no session 's3'"), out);
            assertTrue(jar.err().contains("back-channel logout refused: the logout_token is not a signed JWT"), jar.err());
            assertFalse(jar.err().contains(jwt.serialize().substring(0, 30)), "the token never reaches the log");
        }
    }
}
