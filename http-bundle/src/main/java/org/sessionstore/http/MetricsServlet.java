package org.sessionstore.http;

import java.io.IOException;
import java.net.InetAddress;
import java.net.UnknownHostException;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;

import jakarta.servlet.Servlet;
import jakarta.servlet.http.HttpServlet;
import jakarta.servlet.http.HttpServletRequest;
import jakarta.servlet.http.HttpServletResponse;

import org.osgi.service.component.annotations.Activate;
import org.osgi.service.component.annotations.Component;
import org.osgi.service.component.annotations.ConfigurationPolicy;
import org.osgi.service.component.annotations.Modified;
import org.osgi.service.component.annotations.Reference;
import org.osgi.service.metatype.annotations.Designate;
import org.osgi.service.servlet.whiteboard.propertytypes.HttpWhiteboardServletPattern;
import org.sessionstore.api.StoreMetrics;

/**
 * {@code GET /metrics}: the registry's metrics in Prometheus text, on the OSGi servlet whiteboard
 * (Jakarta; Felix HTTP's Jetty 12 serves it). Who may read it: with a {@code metrics_token}
 * configured, a request carrying {@code Authorization: Bearer <token>} (compared in constant time)
 * from any address; without one, loopback clients only (a Prometheus on the same host, or a
 * scrape through an SSH tunnel). Everyone else gets 401 or 403 and nothing of the figures. The
 * figures never hold a token, a session id or a subject.
 */
@Component(service = Servlet.class, configurationPid = MetricsServlet.PID, configurationPolicy = ConfigurationPolicy.OPTIONAL)
@Designate(ocd = HttpConfiguration.class)
@HttpWhiteboardServletPattern("/metrics")
public class MetricsServlet extends HttpServlet {

    static final String PID = "org.sessionstore.http";
    private static final long serialVersionUID = 1L;

    @Reference
    private transient StoreMetrics metrics;

    private transient volatile byte[] token;
    /** Why /metrics stays closed to everyone (a token that did not resolve), or null. */
    private transient volatile String closed;
    private static final System.Logger LOG = System.getLogger("org.sessionstore.http");

    @Activate
    @Modified
    void configure(HttpConfiguration config) {
        String t = config.metrics__token();
        closed = unresolved(t);
        if (closed != null) {
            LOG.log(System.Logger.Level.ERROR, closed);
        }
        token = t == null || t.isEmpty() ? null : t.getBytes(StandardCharsets.UTF_8);
    }

    /**
     * Why a configured token cannot be used, or null: a placeholder ConfigAdmin could not resolve
     * ({@code $[secret:…]} naming no file) reaches the component as its own text, which anyone who
     * read the docs knows; /metrics then answers nobody (review).
     */
    static String unresolved(String t) {
        return t != null && t.contains("$[") ? "metrics_token in " + PID + ".cfg did not resolve (a $[secret:NAME] names a"
                + " file in etc/secrets, a $[env:NAME] a variable): /metrics answers nobody until it does" : null;
    }

    /** TRACE would echo the request's headers (its Authorization among them) past the checks: refused. */
    @Override
    protected void doTrace(HttpServletRequest req, HttpServletResponse resp) {
        resp.setStatus(405);
    }

    @Override
    protected void doGet(HttpServletRequest req, HttpServletResponse resp) throws IOException {
        String shut = closed;
        String refusal = shut != null ? "503 " + shut : refusal(token, req.getHeader("Authorization"), req.getRemoteAddr());
        if (refusal != null) {
            resp.setStatus(Integer.parseInt(refusal.substring(0, 3)));
            if (refusal.startsWith("401")) {
                resp.setHeader("WWW-Authenticate", "Bearer realm=\"sessionstore\"");
            }
            resp.setContentType("text/plain; charset=utf-8");
            resp.getWriter().println(refusal);
            return;
        }
        byte[] body = metrics.prometheus().getBytes(StandardCharsets.UTF_8);
        resp.setContentType(StoreMetrics.PROMETHEUS_CONTENT_TYPE);
        resp.setHeader("Cache-Control", "no-store");
        resp.setContentLength(body.length);
        resp.getOutputStream().write(body);
    }

    /**
     * Why a request may not read the metrics, or null if it may: with a token, its bearer token must
     * be it (401 otherwise); without one, it must come from a loopback address (403 otherwise).
     */
    static String refusal(byte[] token, String authorization, String remoteAddr) {
        if (token != null) {
            byte[] given = authorization != null && authorization.regionMatches(true, 0, "Bearer ", 0, 7)
                    ? authorization.substring(7).strip().getBytes(StandardCharsets.UTF_8) : new byte[0];
            return MessageDigest.isEqual(token, given) ? null : "401 /metrics needs its bearer token (metrics_token)";
        }
        return loopback(remoteAddr) ? null
                : "403 /metrics answers loopback clients only; set metrics_token in etc/org.sessionstore.http.cfg to"
                        + " let others in with it";
    }

    /** Whether the server's numeric remote address (as Jetty gives it, never a name) is a loopback one. */
    static boolean loopback(String addr) {
        if (addr == null || !addr.matches("\\[?[0-9a-fA-F:.]+(%[\\w.-]+)?\\]?")) {
            return false; // only a literal address is looked at: never a name to resolve
        }
        try {
            return InetAddress.getByName(addr.replace("[", "").replace("]", "")).isLoopbackAddress();
        } catch (UnknownHostException e) {
            return false;
        }
    }
}
