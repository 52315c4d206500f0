package org.sessionstore.webconsole;

import java.io.IOException;

import javax.servlet.http.HttpServlet;
import javax.servlet.http.HttpServletRequest;
import javax.servlet.http.HttpServletResponse;

/** The page as a javax servlet, for Web Console 4 in Karaf 4.4 (it draws the console's header and menu around a GET's output). */
final class JavaxPlugin extends HttpServlet {

    private static final long serialVersionUID = 1L;
    private final transient Page page;

    JavaxPlugin(Page page) {
        this.page = page;
    }

    @Override
    protected void doGet(HttpServletRequest req, HttpServletResponse resp) throws IOException {
        resp.setContentType("text/html;charset=UTF-8");
        resp.setHeader("Referrer-Policy", "no-referrer");
        page.render(resp.getWriter(), req.getParameter("subject"), req.getParameter("done"), req.getParameter("n"));
    }

    @Override
    protected void doPost(HttpServletRequest req, HttpServletResponse resp) throws IOException {
        Page.Outcome o = page.post(req.getParameterMap(), req.getQueryString(), req.getRemoteUser());
        if (o.status() == 303) {
            resp.setStatus(303);
            resp.setHeader("Location", req.getRequestURI() + o.text());
        } else {
            resp.setStatus(o.status());
            resp.setContentType("text/plain;charset=UTF-8");
            resp.getWriter().println(o.text());
        }
    }
}
