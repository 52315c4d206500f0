package org.sessionstore.http;

import java.io.IOException;
import java.net.URI;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Duration;

import jakarta.servlet.Servlet;
import jakarta.servlet.http.HttpServlet;
import jakarta.servlet.http.HttpServletRequest;
import jakarta.servlet.http.HttpServletResponse;

import com.nimbusds.jose.jwk.JWKSet;
import com.nimbusds.jose.jwk.source.ImmutableJWKSet;
import com.nimbusds.jose.jwk.source.JWKSource;
import com.nimbusds.jose.jwk.source.JWKSourceBuilder;
import com.nimbusds.jose.proc.SecurityContext;

import org.osgi.service.component.annotations.Activate;
import org.osgi.service.component.annotations.Component;
import org.osgi.service.component.annotations.ConfigurationPolicy;
import org.osgi.service.component.annotations.Reference;
import org.osgi.service.metatype.annotations.Designate;
import org.osgi.service.servlet.whiteboard.propertytypes.HttpWhiteboardServletPattern;
import org.sessionstore.api.SessionStore;
import org.sessionstore.api.StoreException;
import org.sessionstore.api.StoreRegistry;
import org.sessionstore.api.config.Durations;

/**
 * {@code POST /sessionstore/backchannel-logout} (OpenID Connect Back-Channel Logout 1.0): the
 * identity provider posts a {@code logout_token} (form-encoded); a valid one ({@link LogoutTokens})
 * ends every session of its {@code sid}, or with no sid every session of its {@code sub}, and is
 * answered 200; a bad one 400 with one log line saying why, and nothing removed; a store that
 * cannot answer 503. Exists only once {@code issuer}, {@code audience} and {@code jwks} are
 * configured.
 */
@Component(service = Servlet.class, configurationPid = BackchannelLogoutServlet.PID, configurationPolicy = ConfigurationPolicy.REQUIRE)
@Designate(ocd = BackchannelConfiguration.class)
@HttpWhiteboardServletPattern("/sessionstore/backchannel-logout")
public class BackchannelLogoutServlet extends HttpServlet {

    static final String PID = "org.sessionstore.backchannel";
    private static final long serialVersionUID = 1L;
    private static final System.Logger LOG = System.getLogger("org.sessionstore.http");

    @Reference(target = "(" + StoreRegistry.FRONT_PROPERTY + "=true)")
    private transient SessionStore store;

    private transient LogoutTokens tokens;

    @Activate
    void activate(BackchannelConfiguration c) throws IOException, java.text.ParseException {
        tokens = new LogoutTokens(required(c.issuer(), "issuer"), required(c.audience(), "audience"),
                keys(required(c.jwks(), "jwks")), Durations.parse(c.max__age()), Durations.parse(c.clock__skew()),
                Clock.systemUTC());
    }

    private static String required(String v, String key) {
        if (v == null || v.isBlank()) {
            throw new IllegalArgumentException("back-channel logout: key '" + key + "' is missing in " + PID + ".cfg");
        }
        return v.strip();
    }

    /** The provider's keys: a JWKS file read now, or a URL fetched (and refetched, cached) as tokens come. */
    static JWKSource<SecurityContext> keys(String jwks) throws IOException, java.text.ParseException {
        if (jwks.startsWith("http://") || jwks.startsWith("https://")) {
            return JWKSourceBuilder.<SecurityContext>create(URI.create(jwks).toURL()).retrying(true).build();
        }
        return new ImmutableJWKSet<>(JWKSet.load(Path.of(jwks).toFile()));
    }

    @Override
    protected void doPost(HttpServletRequest req, HttpServletResponse resp) throws IOException {
        String type = req.getContentType();
        Answer a = type == null || !type.toLowerCase(java.util.Locale.ROOT).startsWith("application/x-www-form-urlencoded")
                ? new Answer(400, "the body must be application/x-www-form-urlencoded with a logout_token")
                : handle(tokens, store, req.getParameter("logout_token"));
        resp.setStatus(a.status());
        resp.setHeader("Cache-Control", "no-store");
        resp.setContentType("application/json; charset=utf-8");
        if (a.status() != 200) {
            resp.getWriter().print("{\"error\":\"invalid_request\",\"error_description\":\"" + a.message().replace("\\", "\\\\")
                    .replace("\"", "\\\"") + "\"}");
        }
    }

    /** What the endpoint answers. */
    record Answer(int status, String message) {
    }

    /** Checks the token and ends its sessions: 200; a refusal is 400 and one log line; a store failure 503. */
    static Answer handle(LogoutTokens tokens, SessionStore store, String token) {
        LogoutTokens.Logout logout;
        try {
            logout = tokens.check(token);
        } catch (LogoutTokens.Refused r) {
            LOG.log(System.Logger.Level.WARNING, "back-channel logout refused: " + r.getMessage());
            return new Answer(400, r.getMessage());
        }
        try {
            int n = logout.sid() != null ? store.deleteSessionsBySid(logout.sid()) : store.deleteSessionsBySubject(logout.sub());
            LOG.log(System.Logger.Level.INFO, "back-channel logout: " + n + (n == 1 ? " session" : " sessions") + " ended"
                    + (logout.sid() != null ? " (by sid)" : " (by sub)"));
            return new Answer(200, "");
        } catch (IllegalArgumentException e) {
            LOG.log(System.Logger.Level.WARNING, "back-channel logout refused: " + e.getMessage());
            return new Answer(400, "its sid or sub is not a valid id");
        } catch (StoreException | UnsupportedOperationException e) {
            tokens.forget(logout.jti()); // the provider's retry must be taken
            LOG.log(System.Logger.Level.WARNING, "back-channel logout could not end the sessions: " + e.getMessage());
            return new Answer(503, "the session store could not end the sessions now; send the token again");
        }
    }
}
