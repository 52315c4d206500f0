package org.sessionstore.http;

import java.text.ParseException;
import java.time.Clock;
import java.time.Duration;
import java.util.Date;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;

import com.nimbusds.jose.JOSEException;
import com.nimbusds.jose.JOSEObjectType;
import com.nimbusds.jose.JWSAlgorithm;
import com.nimbusds.jose.jwk.source.JWKSource;
import com.nimbusds.jose.proc.BadJOSEException;
import com.nimbusds.jose.proc.DefaultJOSEObjectTypeVerifier;
import com.nimbusds.jose.proc.JWSVerificationKeySelector;
import com.nimbusds.jose.proc.SecurityContext;
import com.nimbusds.jwt.JWTClaimsSet;
import com.nimbusds.jwt.SignedJWT;
import com.nimbusds.jwt.proc.DefaultJWTProcessor;

/**
 * Validates an OpenID Connect Back-Channel Logout 1.0 {@code logout_token} (section 2.6): a JWT
 * signed with one of the provider's keys (asymmetric algorithms only: never {@code none}, never a
 * shared secret), {@code typ} absent, {@code JWT} or {@code logout+jwt}; {@code iss} the configured
 * issuer; {@code aud} holding the configured audience; {@code iat} within {@code max_age} (and not
 * ahead, both with the clock skew allowed); {@code exp}, if there, not past; an {@code events}
 * object with the back-channel logout member, itself an object; no {@code nonce}; a {@code sid} or
 * a {@code sub}; a {@code jti} seen for the first time (remembered as long as the token could be
 * fresh, in this process). Each refusal says which rule failed, never the token.
 */
final class LogoutTokens {

    static final String EVENT = "http://schemas.openid.net/event/backchannel-logout";
    private static final Set<JWSAlgorithm> ALGORITHMS = Set.of(JWSAlgorithm.RS256, JWSAlgorithm.RS384, JWSAlgorithm.RS512,
            JWSAlgorithm.PS256, JWSAlgorithm.PS384, JWSAlgorithm.PS512, JWSAlgorithm.ES256, JWSAlgorithm.ES384,
            JWSAlgorithm.ES512, JWSAlgorithm.EdDSA);
    /** The most jti values remembered; past it, a token is refused until older ones age out (never forgotten early). */
    static final int MAX_REMEMBERED = 100_000;

    /** What a valid token asks for: the sessions of {@code sid}, else every session of {@code sub}. */
    record Logout(String sid, String sub, String jti) {
    }

    /** A refused token, with the rule it broke. */
    static final class Refused extends Exception {
        private static final long serialVersionUID = 1L;

        Refused(String why) {
            super(why, null, false, false);
        }
    }

    private final String issuer;
    private final String audience;
    private final long maxAgeMillis;
    private final long skewMillis;
    private final Clock clock;
    private final DefaultJWTProcessor<SecurityContext> processor = new DefaultJWTProcessor<>();
    private final ConcurrentHashMap<String, Long> seen = new ConcurrentHashMap<>();

    LogoutTokens(String issuer, String audience, JWKSource<SecurityContext> keys, Duration maxAge, Duration skew, Clock clock) {
        this.issuer = issuer;
        this.audience = audience;
        this.maxAgeMillis = maxAge.toMillis();
        this.skewMillis = skew.toMillis();
        this.clock = clock;
        processor.setJWSTypeVerifier(new DefaultJOSEObjectTypeVerifier<>(JOSEObjectType.JWT, new JOSEObjectType("logout+jwt"),
                null));
        processor.setJWSKeySelector(new JWSVerificationKeySelector<>(ALGORITHMS, keys));
        processor.setJWTClaimsSetVerifier((claims, context) -> { }); // every claim is checked below, each with its own message
    }

    Logout check(String token) throws Refused {
        if (token == null || token.isBlank()) {
            throw new Refused("no logout_token parameter");
        }
        SignedJWT jwt;
        try {
            jwt = SignedJWT.parse(token.strip());
        } catch (ParseException e) {
            throw new Refused("the logout_token is not a signed JWT");
        }
        JWTClaimsSet claims;
        try {
            claims = processor.process(jwt, null);
        } catch (BadJOSEException | JOSEException e) {
            throw new Refused("its signature does not verify with the provider's keys (" + e.getMessage() + ")");
        }
        if (!issuer.equals(claims.getIssuer())) {
            throw new Refused("iss is not the configured issuer");
        }
        if (claims.getAudience() == null || !claims.getAudience().contains(audience)) {
            throw new Refused("aud does not hold the configured audience");
        }
        long now = clock.millis();
        Date iat = claims.getIssueTime();
        if (iat == null) {
            throw new Refused("no iat");
        }
        if (iat.getTime() > now + skewMillis) {
            throw new Refused("iat lies in the future");
        }
        if (iat.getTime() < now - maxAgeMillis - skewMillis) {
            throw new Refused("iat is older than max_age");
        }
        Date exp = claims.getExpirationTime();
        if (exp != null && exp.getTime() < now - skewMillis) {
            throw new Refused("exp has passed");
        }
        if (!(claims.getClaim("events") instanceof Map<?, ?> events) || !(events.get(EVENT) instanceof Map<?, ?>)) {
            throw new Refused("events does not hold the back-channel logout event");
        }
        if (claims.getClaim("nonce") != null) {
            throw new Refused("a logout token must not carry a nonce");
        }
        String sid = claims.getClaim("sid") instanceof String s && !s.isBlank() ? s : null;
        String sub = claims.getSubject() != null && !claims.getSubject().isBlank() ? claims.getSubject() : null;
        if (sid == null && sub == null) {
            throw new Refused("neither sid nor sub");
        }
        String jti = claims.getJWTID();
        if (jti == null || jti.isBlank()) {
            throw new Refused("no jti");
        }
        remember(jti, iat.getTime() + maxAgeMillis + 2 * skewMillis, now);
        return new Logout(sid, sub, jti);
    }

    /** Forgets a jti, so that the provider's retry of a logout that could not be done is taken. */
    void forget(String jti) {
        seen.remove(jti);
    }

    /** Notes a jti until {@code until}; refuses one seen before, or a new one while the memory is full. */
    private void remember(String jti, long until, long now) throws Refused {
        if (seen.size() >= MAX_REMEMBERED) {
            seen.values().removeIf(t -> t < now);
            if (seen.size() >= MAX_REMEMBERED) {
                throw new Refused("too many logout tokens within max_age to remember their jti; try again later");
            }
        }
        if (seen.putIfAbsent(jti, until) != null) {
            throw new Refused("replayed: its jti was seen before");
        }
    }
}
