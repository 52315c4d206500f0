package org.sessionstore.http;

import org.osgi.service.metatype.annotations.AttributeDefinition;
import org.osgi.service.metatype.annotations.ObjectClassDefinition;

/**
 * The back-channel logout endpoint's settings, PID {@value BackchannelLogoutServlet#PID}
 * ({@code etc/org.sessionstore.backchannel.cfg}); without them the endpoint does not exist.
 */
@ObjectClassDefinition(name = "Session Store back-channel logout", description = "OpenID Connect Back-Channel Logout 1.0 at"
        + " POST /sessionstore/backchannel-logout: the identity provider's logout_token ends the sessions of its sid (or sub).")
@interface BackchannelConfiguration {

    @AttributeDefinition(name = "Issuer", description = "The provider's issuer identifier: a token's iss must be exactly this")
    String issuer();

    @AttributeDefinition(name = "Audience", description = "This relying party's client_id: a token's aud must hold it")
    String audience();

    @AttributeDefinition(name = "JWKS", description = "The provider's public keys: a JWKS file path, or an http(s) URL (its"
            + " jwks_uri), fetched and cached")
    String jwks();

    @AttributeDefinition(name = "Max age", required = false, description = "How old a token's iat may be, such as 2m")
    String max__age() default "2m";

    @AttributeDefinition(name = "Clock skew", required = false, description = "How far the provider's clock may be off, such as 30s")
    String clock__skew() default "30s";
}
