package org.sessionstore.webconsole;

import java.io.PrintWriter;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.SecureRandom;
import java.util.Base64;
import java.util.List;
import java.util.Map;
import java.util.function.Supplier;

import org.sessionstore.api.Redaction;
import org.sessionstore.api.SessionInfo;
import org.sessionstore.api.SessionStore;
import org.sessionstore.api.StoreHealth;
import org.sessionstore.api.StoreInfo;
import org.sessionstore.api.StoreMetrics;
import org.sessionstore.api.StoreProvider;
import org.sessionstore.api.StoreRegistry;
import org.sessionstore.api.StoreStatus;

/**
 * The "Sessions" page, independent of the servlet API (the plugins of {@link SessionsPage} adapt it
 * to Jakarta or javax): what it shows on a GET, and what a POST (revoke one session, revoke all of a
 * subject's) does.
 *
 * <p>Every value shown is HTML-encoded ({@link Html}); the configuration is shown with its secrets
 * as {@value Redaction#MASK}; a session is shown by its metadata, never a token. The Web Console
 * has no CSRF protection of its own, so every form carries this page's token (random, made when
 * the page starts, compared in constant time) and a POST without it changes nothing. After a POST
 * the browser is sent back to the page (303) with a code of what was done and a number, never with
 * text of the request's (a crafted link can show only "N sessions removed", no words of its own).
 * Values a form sends back (the subject, an id) are only encoded, never shown as escapes, so they
 * reach the store as they were.
 */
final class Page {

    /** The sessions of a subject shown at most. */
    static final int PAGE = 200;
    /** The longest subject the page takes (a longer one would not fit the URL it is sent back to). */
    static final int MAX_SUBJECT = 1024;

    /** The section headings (the console's style sheet makes a bare h2 as small as the text). */
    private static final String H2 = "<h2 style=\"font-size:1.25em;margin:14px 0 6px\">";

    private static final System.Logger LOG = System.getLogger("org.sessionstore.webconsole");

    private final StoreRegistry registry;
    private final Supplier<SessionStore> store;
    private final Supplier<StoreMetrics> metrics;
    private final String csrf;

    Page(StoreRegistry registry, Supplier<SessionStore> store, Supplier<StoreMetrics> metrics) {
        this.registry = registry;
        this.store = store;
        this.metrics = metrics;
        byte[] b = new byte[32];
        new SecureRandom().nextBytes(b);
        this.csrf = Base64.getUrlEncoder().withoutPadding().encodeToString(b);
    }

    /** The page's CSRF token (what its forms carry). */
    String csrf() {
        return csrf;
    }

    /** What a POST answers: a status, and for 303 the query to send the browser back to, else a message. */
    record Outcome(int status, String text) {
    }

    /** A POST as a servlet has it: its parameters (the first value of each), its query string, its user. */
    Outcome post(Map<String, String[]> parameters, String query, String user) {
        if (query != null && query.contains("csrf")) {
            // the token comes in the form's body only: one in a URL leaks into logs and history
            return new Outcome(400, "the CSRF token belongs in the form's body, not in the URL");
        }
        Map<String, String> form = new java.util.HashMap<>();
        parameters.forEach((k, v) -> form.put(k, v == null || v.length == 0 ? null : v[0]));
        return post(form, user);
    }

    /**
     * A POST: {@code action} {@code revoke} (with {@code id}) or {@code revoke-all} (with {@code subject}),
     * and {@code csrf}.
     */
    Outcome post(Map<String, String> form, String user) {
        String token = form.get("csrf");
        if (token == null || !MessageDigest.isEqual(token.getBytes(StandardCharsets.UTF_8), csrf.getBytes(StandardCharsets.UTF_8))) {
            LOG.log(System.Logger.Level.WARNING, "Sessions page: a POST without the page's CSRF token was refused (user "
                    + Redaction.printable(String.valueOf(user)) + "); nothing was changed");
            return new Outcome(403, "refused: the form's CSRF token is missing or wrong; reload the Sessions page and try again");
        }
        String subject = form.getOrDefault("subject", "");
        if (subject == null) {
            subject = "";
        }
        if (subject.length() > MAX_SUBJECT) {
            return new Outcome(400, "a subject is at most " + MAX_SUBJECT + " characters");
        }
        String action = String.valueOf(form.get("action"));
        SessionStore s = store.get();
        if (s == null) {
            return new Outcome(503, "no store is serving; see sessionstore:info");
        }
        try {
            int n;
            if (action.equals("revoke")) {
                String id = form.get("id");
                if (id == null || id.isEmpty()) {
                    return new Outcome(400, "revoke: the form names no session (id)");
                }
                // only a session of the subject the page showed (a form edited to name another's is refused)
                java.util.Optional<org.sessionstore.api.Session> found = s.getSession(id);
                if (found.isPresent() && !subject.equals(found.get().sub())) {
                    return new Outcome(400, "revoke: that session is not one of the subject's on the form");
                }
                n = found.isPresent() && s.deleteSession(id) ? 1 : 0;
            } else if (action.equals("revoke-all")) {
                if (subject.isEmpty()) {
                    return new Outcome(400, "revoke-all: the form names no subject");
                }
                n = s.deleteSessionsBySubject(subject);
            } else {
                return new Outcome(400, "unknown action; expected revoke or revoke-all");
            }
            LOG.log(System.Logger.Level.INFO, "Sessions page: " + action + " removed " + n + " session(s) (user "
                    + Redaction.printable(String.valueOf(user)) + ")");
            return new Outcome(303, "?subject=" + Html.query(subject) + "&done=" + action + "&n=" + n);
        } catch (IllegalArgumentException e) {
            return new Outcome(400, action + ": " + e.getMessage());
        } catch (RuntimeException e) {
            return new Outcome(503, action + " failed: " + Redaction.printable(String.valueOf(e.getMessage())));
        }
    }

    /** The page for a GET; {@code subject} searched (or null), {@code done} and {@code n} what a POST did. */
    void render(PrintWriter out, String subject, String done, String n) {
        out.println("<div id=\"sessionstore\">");
        if (done != null && n != null && n.matches("\\d{1,9}") && (done.equals("revoke") || done.equals("revoke-all"))) {
            out.println("<p class=\"statline ui-state-highlight\" id=\"ss-done\">" + (done.equals("revoke") ? "revoke" : "revoke all")
                    + ": " + n + " session" + (n.equals("1") ? "" : "s") + " removed</p>");
        }
        StoreHealth.Result h = registry.health();
        // a store that does not answer would hold the page for its timeout once per read: read no more
        boolean down = h.status() == StoreHealth.Status.CRITICAL;
        store(out, h);
        figures(out, down);
        search(out, subject == null ? "" : subject.strip(), down);
        backends(out);
        out.println("</div>");
    }

    private void store(PrintWriter out, StoreHealth.Result h) {
        StoreStatus st = registry.status();
        out.println(H2 + "Active store</h2><table class=\"nicetable\" id=\"ss-store\">");
        row(out, "type", st.type());
        row(out, "state", st.state() + (st.detail() == null ? "" : " (" + st.detail() + ")"));
        StoreProvider p = st.provider();
        row(out, "provider", p == null ? "none" : p.bundleSymbolicName() + " " + p.bundleVersion() + " (bundle " + p.bundleId() + ")");
        out.println("<tr><td>health</td><td id=\"ss-health\" class=\"ss-" + Html.text(h.status()) + "\">" + Html.text(h.line()) + "</td></tr>");
        row(out, "configured by", st.source());
        Redaction.redact(st.settings()).forEach((k, v) -> row(out, k, v));
        registry.progress().ifPresentOrElse(m -> row(out, "running", m),
                () -> row(out, "running", "no migration or clean"));
        out.println("</table>");
    }

    private void figures(PrintWriter out, boolean down) {
        out.println(H2 + "Live</h2><table class=\"nicetable\" id=\"ss-live\">");
        SessionStore s = store.get();
        if (down) {
            row(out, "sessions", "not read: the store does not answer (health CRITICAL)");
        } else {
            StoreInfo i = registry.info();
            row(out, "sessions", i.sessions() != null ? String.valueOf(i.sessions()) : i.sessionsProblem());
        }
        if (s != null && !down) {
            try {
                row(out, "states", String.valueOf(s.getStateCount()));
            } catch (RuntimeException | LinkageError e) {
                row(out, "states", "not known: " + e.getMessage());
            }
        }
        StoreMetrics m = metrics.get();
        if (m != null) {
            m.summary().forEach((k, v) -> row(out, k, v));
        }
        out.println("</table>");
        out.println(Chart.of(m == null ? List.of() : m.history()));
    }

    private void search(PrintWriter out, String subject, boolean down) {
        out.println(H2 + "Sessions of a subject</h2><form method=\"get\" id=\"ss-search\">"
                + "<input type=\"text\" name=\"subject\" id=\"ss-subject\" size=\"40\" maxlength=\"" + MAX_SUBJECT
                + "\" value=\"" + Html.attr(subject) + "\" placeholder=\"subject (sub)\"> <input type=\"submit\" value=\"Search\""
                + " id=\"ss-find\"></form>");
        if (subject.isEmpty()) {
            return;
        }
        if (subject.length() > MAX_SUBJECT) {
            out.println("<p id=\"ss-error\">a subject is at most " + MAX_SUBJECT + " characters</p>");
            return;
        }
        if (down) {
            out.println("<p id=\"ss-error\">not searched: the store does not answer (health CRITICAL)</p>");
            return;
        }
        SessionStore s = store.get();
        List<SessionInfo> list;
        try {
            list = s == null ? List.of() : s.sessionsOf(subject, 0, PAGE);
        } catch (RuntimeException e) {
            out.println("<p id=\"ss-error\">" + Html.text("cannot list the sessions: " + e.getMessage()) + "</p>");
            return;
        }
        out.println("<p id=\"ss-found\">" + Html.text(subject) + ": " + list.size() + (list.size() == PAGE ? "+" : "")
                + " session" + (list.size() == 1 ? "" : "s") + "</p>");
        if (list.isEmpty()) {
            return;
        }
        out.println("<table class=\"nicetable\" id=\"ss-sessions\"><thead><tr><th>id</th><th>issued</th><th>expires</th>"
                + "<th>last seen</th><th>sid</th><th></th></tr></thead><tbody>");
        for (SessionInfo si : list) {
            out.println("<tr><td class=\"ss-id\">" + Html.text(si.id()) + "</td><td>" + Html.text(si.issuedAt()) + "</td><td>"
                    + Html.text(si.expiresAt()) + "</td><td>" + Html.text(si.lastSeen()) + "</td><td>" + Html.text(si.sid())
                    + "</td><td>" + form("revoke", subject, si.id(), "Revoke") + "</td></tr>");
        }
        out.println("</tbody></table>");
        out.println(form("revoke-all", subject, null, "Revoke all sessions of " + subject));
    }

    private String form(String action, String subject, String id, String label) {
        return "<form method=\"post\" class=\"ss-" + action + "\" style=\"display:inline\">"
                + "<input type=\"hidden\" name=\"csrf\" value=\"" + Html.text(csrf) + "\">"
                + "<input type=\"hidden\" name=\"action\" value=\"" + action + "\">"
                + "<input type=\"hidden\" name=\"subject\" value=\"" + Html.attr(subject) + "\">"
                + (id == null ? "" : "<input type=\"hidden\" name=\"id\" value=\"" + Html.attr(id) + "\">")
                + "<input type=\"submit\" value=\"" + Html.text(label) + "\"></form>";
    }

    private void backends(PrintWriter out) {
        out.println(H2 + "Backends installed</h2><table class=\"nicetable\" id=\"ss-backends\"><thead><tr><th>type</th>"
                + "<th>bundle</th><th>version</th><th>id</th><th>candidates</th></tr></thead><tbody>");
        for (StoreProvider p : registry.types()) {
            out.println("<tr><td>" + Html.text(p.type()) + "</td><td>" + Html.text(p.bundleSymbolicName()) + "</td><td>"
                    + Html.text(p.bundleVersion()) + "</td><td>" + p.bundleId() + "</td><td>" + p.candidates() + "</td></tr>");
        }
        out.println("</tbody></table>");
    }

    private static void row(PrintWriter out, String k, Object v) {
        out.println("<tr><td>" + Html.text(k) + "</td><td>" + Html.text(v) + "</td></tr>");
    }
}
