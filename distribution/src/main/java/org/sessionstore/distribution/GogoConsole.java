package org.sessionstore.distribution;

import java.io.BufferedReader;
import java.io.ByteArrayInputStream;
import java.io.InputStream;
import java.io.InputStreamReader;
import java.io.OutputStream;
import java.io.PrintStream;
import java.lang.reflect.InvocationTargetException;
import java.lang.reflect.Method;
import java.nio.charset.Charset;

import org.osgi.framework.BundleContext;
import org.osgi.framework.ServiceReference;

/**
 * A line console over the Gogo runtime's {@code CommandProcessor}: reads a command per line, runs
 * it, prints its result, and prints a failure as one line ({@code error: …}) on standard error,
 * never a stack trace. Shows a {@code g! } prompt only when a terminal is attached, so piped
 * input gives clean output. The launcher lives outside the framework, so it reaches Gogo's types
 * by reflection on the classes of the Gogo bundle.
 */
final class GogoConsole {

    private static final String PROCESSOR = "org.apache.felix.service.command.CommandProcessor";
    private static final String SESSION = "org.apache.felix.service.command.CommandSession";
    private static final int INSPECT = 0;

    private final BundleContext context;

    GogoConsole(BundleContext context) {
        this.context = context;
    }

    /**
     * Runs until the end of input; returns the process exit status: 0 if every command succeeded,
     * 1 if any failed (each failure was printed as one {@code error:} line).
     */
    int run(InputStream input, PrintStream out, PrintStream err) throws Exception {
        ServiceReference<?> ref = context.getServiceReference(PROCESSOR);
        if (ref == null) {
            err.println("error: the Gogo runtime (org.apache.felix.gogo.runtime) is not running; no console");
            return 1;
        }
        Object processor = context.getService(ref);
        ClassLoader gogo = processor.getClass().getClassLoader();
        Class<?> processorType = Class.forName(PROCESSOR, false, gogo);
        Class<?> sessionType = Class.forName(SESSION, false, gogo);
        Method create = processorType.getMethod("createSession", InputStream.class, OutputStream.class, OutputStream.class);
        Method execute = sessionType.getMethod("execute", CharSequence.class);
        Method format = sessionType.getMethod("format", Object.class, int.class);
        Method close = sessionType.getMethod("close");
        Object session = create.invoke(processor, new ByteArrayInputStream(new byte[0]), out, err);
        boolean interactive = System.console() != null;
        boolean failed = false;
        BufferedReader lines = new BufferedReader(new InputStreamReader(input, Charset.defaultCharset()));
        try {
            while (true) {
                if (interactive) {
                    out.print("g! ");
                    out.flush();
                }
                String line = lines.readLine();
                if (line == null) {
                    return failed ? 1 : 0;
                }
                String command = line.strip();
                if (command.isEmpty() || command.startsWith("#")) {
                    continue;
                }
                if (command.equals("exit") || command.equals("quit")) {
                    return failed ? 1 : 0;
                }
                try {
                    Object result = execute.invoke(session, command);
                    if (result != null) {
                        out.println(result instanceof CharSequence || result instanceof Number || result instanceof Boolean
                                ? String.valueOf(result) : String.valueOf(format.invoke(session, result, INSPECT)));
                    }
                } catch (InvocationTargetException e) {
                    failed = true;
                    err.println("error: " + explain(command, oneLine(e.getCause())));
                    if (Boolean.getBoolean("sessionstore.console.trace")) {
                        e.getCause().printStackTrace(err);
                    }
                }
                out.flush();
                err.flush();
            }
        } finally {
            close.invoke(session);
            context.ungetService(ref);
        }
    }

    /** Gogo's "Cannot coerce f(Token) to any of [(String, String)]" in an operator's words. */
    static String explain(String command, String message) {
        if (message.startsWith("Cannot coerce ")) {
            String name = command.split("\\s+", 2)[0];
            int any = message.indexOf("to any of ");
            String expected = any < 0 ? "" : "; expected arguments " + message.substring(any + "to any of ".length());
            return "wrong arguments for " + name + expected + "; see 'help " + name + "'";
        }
        return message;
    }

    static String oneLine(Throwable t) {
        Throwable shown = t;
        while (shown.getMessage() == null && shown.getCause() != null) {
            shown = shown.getCause();
        }
        String message = shown.getMessage() == null ? shown.getClass().getSimpleName() : shown.getMessage();
        int nl = message.indexOf('\n');
        return nl < 0 ? message : message.substring(0, nl);
    }
}
