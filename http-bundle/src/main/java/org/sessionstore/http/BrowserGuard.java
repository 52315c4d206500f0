package org.sessionstore.http;

import java.io.IOException;
import java.net.URI;
import java.util.Locale;
import java.util.Set;

import jakarta.servlet.FilterChain;
import jakarta.servlet.ServletException;
import jakarta.servlet.ServletRequest;
import jakarta.servlet.ServletResponse;
import jakarta.servlet.http.HttpServletRequest;
import jakarta.servlet.http.HttpServletResponse;

import org.osgi.service.component.annotations.Component;
import org.osgi.service.servlet.whiteboard.Preprocessor;

/**
 * What the Felix Web Console lacks, for every page of it (ours and its own: bundles, configuration,
 * shutdown): a cross-site request cannot change anything, and no page can be framed. A Preprocessor
 * of the servlet whiteboard, so it runs before any context's authentication and servlet.
 *
 * <p>An unsafe method (anything but GET, HEAD, OPTIONS, TRACE) under {@value #CONSOLE} is refused
 * (403) when the browser says the request comes from another site: {@code Sec-Fetch-Site} other
 * than {@code same-origin} or {@code none} (a typed URL), or, from a browser without it, an
 * {@code Origin} that is not this server's. A request with neither header is not a browser's
 * cross-site request (curl, a script) and passes to the console's own authentication. Every
 * answer gets {@code X-Frame-Options: DENY}, {@code Content-Security-Policy: frame-ancestors 'none'}
 * (no clickjacking), {@code Referrer-Policy: no-referrer} (a searched subject in the URL never
 * leaves in a Referer) and {@code X-Content-Type-Options: nosniff}.
 */
@Component(service = Preprocessor.class)
public class BrowserGuard implements Preprocessor {

    static final String CONSOLE = "/system/console";
    private static final Set<String> SAFE = Set.of("GET", "HEAD", "OPTIONS", "TRACE");
    private static final System.Logger LOG = System.getLogger("org.sessionstore.http");

    @Override
    public void doFilter(ServletRequest request, ServletResponse response, FilterChain chain)
            throws IOException, ServletException {
        if (request instanceof HttpServletRequest req && response instanceof HttpServletResponse resp) {
            resp.setHeader("X-Frame-Options", "DENY");
            resp.setHeader("Content-Security-Policy", "frame-ancestors 'none'");
            resp.setHeader("Referrer-Policy", "no-referrer");
            resp.setHeader("X-Content-Type-Options", "nosniff");
            String path = req.getRequestURI();
            if (path != null && (path.equals(CONSOLE) || path.startsWith(CONSOLE + "/")) && !SAFE.contains(req.getMethod())) {
                String why = crossSite(req.getHeader("Sec-Fetch-Site"), req.getHeader("Origin"), req.getScheme(),
                        req.getHeader("Host"));
                if (why != null) {
                    LOG.log(System.Logger.Level.WARNING, "refused a cross-site " + req.getMethod() + " to the Web Console ("
                            + why + "); nothing was changed");
                    resp.sendError(403, "cross-site request refused");
                    return;
                }
            }
        }
        chain.doFilter(request, response);
    }

    /** Why a request is another site's, or null. */
    static String crossSite(String fetchSite, String origin, String scheme, String host) {
        if (fetchSite != null) {
            String s = fetchSite.trim().toLowerCase(Locale.ROOT);
            return s.equals("same-origin") || s.equals("none") ? null : "Sec-Fetch-Site: " + s;
        }
        if (origin == null) {
            return null;
        }
        try {
            URI o = URI.create(origin.trim());
            String self = scheme + "://" + host;
            String theirs = o.getScheme() + "://" + o.getRawAuthority();
            return theirs.equalsIgnoreCase(self) ? null : "Origin is not this server's";
        } catch (IllegalArgumentException e) {
            return "Origin is not a URL";
        }
    }

    @Override
    public void init(jakarta.servlet.FilterConfig config) {
        // nothing to set up
    }

    @Override
    public void destroy() {
        // nothing held
    }
}
