package org.sessionstore.distribution;

import java.io.ByteArrayInputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.InputStreamReader;
import java.io.OutputStream;
import java.io.PrintStream;
import java.io.Reader;
import java.lang.reflect.InvocationTargetException;
import java.lang.reflect.Method;
import java.nio.charset.StandardCharsets;

import org.osgi.framework.BundleContext;
import org.osgi.framework.ServiceReference;
import org.osgi.framework.ServiceRegistration;

/**
 * A line console over the Gogo runtime's {@code CommandProcessor}: reads a command per line, runs
 * it, prints its result, and prints a failure as one line ({@code error: …}) on standard error,
 * never a stack trace. Shows a {@code g! } prompt only when a terminal is attached, so piped
 * input gives clean output. The launcher lives outside the framework, so it reaches Gogo's types
 * by reflection on the classes of the Gogo bundle.
 *
 * <p>Input is UTF-8 whatever the platform's charset. A line longer than {@value #MAX_LINE}
 * characters is refused (its characters are read and dropped, never held), as a failure. A
 * command fails when it throws, when it writes to the session's standard error, and, for the
 * built-in commands (any scope but {@code sessionstore}), when it reports a failure the way
 * Felix's do, in its result or its printed output: a line that is a Java exception
 * ({@code java.net.MalformedURLException: no protocol: x}) or {@code Bundle ID '999' is invalid.}
 */
final class GogoConsole {

    /** The longest line run, in characters; a command line is a few hundred. */
    static final int MAX_LINE = 65_536;

    private static final String PROCESSOR = "org.apache.felix.service.command.CommandProcessor";
    private static final String SESSION = "org.apache.felix.service.command.CommandSession";
    private static final int INSPECT = 0;

    private final BundleContext context;
    /** Whether a command failed so far (read by the launcher if the framework stops under the console). */
    private volatile boolean failed;
    private final OutputWatch systemOut;
    private final OutputWatch systemErr;

    /**
     * @param systemOut what System.out writes to (Felix's built-ins print their failures there)
     * @param systemErr what System.err writes to
     */
    GogoConsole(BundleContext context, OutputWatch systemOut, OutputWatch systemErr) {
        this.context = context;
        this.systemOut = systemOut;
        this.systemErr = systemErr;
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
        ServiceRegistration<?> converters = GogoConverters.register(context, gogo);
        OutputWatch sessionErr = new OutputWatch(err);
        OutputWatch sessionOut = new OutputWatch(out);
        Object session = create.invoke(processor, new ByteArrayInputStream(new byte[0]), sessionOut, sessionErr);
        boolean interactive = System.console() != null;
        LineReader lines = new LineReader(new InputStreamReader(input, StandardCharsets.UTF_8), MAX_LINE);
        try {
            while (true) {
                if (interactive) {
                    out.print("g! ");
                    out.flush();
                }
                String line = lines.next();
                if (line == null) {
                    return failed ? 1 : 0;
                }
                if (line == LineReader.TOO_LONG) {
                    failed = true;
                    err.println("error: line " + lines.number() + " is longer than " + MAX_LINE
                            + " characters; it was not run");
                    continue;
                }
                String command = line.strip();
                if (command.isEmpty() || command.startsWith("#")) {
                    continue;
                }
                if (command.equals("exit") || command.equals("quit")) {
                    return failed ? 1 : 0;
                }
                for (OutputWatch w : new OutputWatch[] {sessionErr, sessionOut, systemOut, systemErr}) {
                    w.reset();
                }
                try {
                    Object result = execute.invoke(session, command);
                    String shown = null;
                    if (result != null) {
                        shown = result instanceof CharSequence || result instanceof Number || result instanceof Boolean
                                ? String.valueOf(result) : String.valueOf(format.invoke(session, result, INSPECT));
                        out.println(shown);
                    }
                    // Felix's built-ins return or print their failures instead of throwing them
                    boolean builtIn = !command.startsWith("sessionstore:");
                    if (sessionErr.written() || builtIn && (shown != null && reportsFailure(shown)
                            || reportsFailure(sessionOut.captured()) || reportsFailure(systemOut.captured())
                            || reportsFailure(systemErr.captured()))) {
                        failed = true;
                        err.println("error: " + command.split("\\s+", 2)[0] + " reported a failure (above)");
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
            if (converters != null) {
                converters.unregister();
            }
            context.ungetService(ref);
        }
    }

    /** Whether any command failed so far. */
    boolean failed() {
        return failed;
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
        if (shown instanceof OutOfMemoryError) {
            message = "out of memory: " + message;
        }
        int nl = message.indexOf('\n');
        return printable(nl < 0 ? message : message.substring(0, nl));
    }

    /**
     * A message as it may reach the terminal: control, format (bidi), separator and unassigned
     * characters written as {@code \\uXXXX}. (The launcher runs outside the framework and cannot
     * use the API's Redaction, which does the same for the bundles.)
     */
    static String printable(String text) {
        StringBuilder b = new StringBuilder(text.length());
        for (int i = 0; i < text.length();) {
            int cp = text.codePointAt(i);
            int n = Character.charCount(cp);
            int type = Character.getType(cp);
            boolean hidden = Character.isISOControl(cp) || type == Character.FORMAT || type == Character.LINE_SEPARATOR
                    || type == Character.PARAGRAPH_SEPARATOR || type == Character.UNASSIGNED || type == Character.PRIVATE_USE
                    || type == Character.SURROGATE || cp == 0x034F || cp == 0x115F || cp == 0x1160 || cp == 0x3164
                    || cp >= 0x180B && cp <= 0x180F || cp >= 0xFE00 && cp <= 0xFE0F || cp == 0xFFA0
                    || cp >= 0xE0000 && cp <= 0xE0FFF;
            for (int k = 0; k < n; k++) {
                if (hidden) {
                    b.append(String.format("\\u%04X", (int) text.charAt(i + k)));
                } else {
                    b.append(text.charAt(i + k));
                }
            }
            i += n;
        }
        return b.toString();
    }

    private static final java.util.regex.Pattern FAILURE_LINE = java.util.regex.Pattern.compile(
            "(?m)^(?:(?:[a-z_$][\\w$]*\\.)+[A-Z][\\w$]*(?:Exception|Error)(?::.*)?|Bundle ID '.*' +is invalid\\.)\\s*$");

    /** Whether what a command printed reports a failure the way Felix's built-ins do. */
    static boolean reportsFailure(String printed) {
        return FAILURE_LINE.matcher(printed).find();
    }

    /**
     * Lines of at most {@code max} characters; a longer line is read to its end without being
     * kept and reported as {@link #TOO_LONG}. {@code \n}, {@code \r\n} and {@code \r} end a line.
     */
    static final class LineReader {
        static final String TOO_LONG = new String("(too long)");
        private final Reader in;
        private final int max;
        private final char[] buf = new char[8192];
        private int pos;
        private int end;
        private boolean skipLf;
        private long number;

        LineReader(Reader in, int max) {
            this.in = in;
            this.max = max;
        }

        long number() {
            return number;
        }

        String next() throws IOException {
            StringBuilder line = new StringBuilder();
            boolean tooLong = false;
            boolean any = false;
            while (true) {
                if (pos == end) {
                    end = in.read(buf, 0, buf.length);
                    pos = 0;
                    if (end <= 0) {
                        end = 0;
                        if (!any) {
                            return null;
                        }
                        number++;
                        return tooLong ? TOO_LONG : line.toString();
                    }
                }
                char c = buf[pos++];
                if (skipLf) {
                    skipLf = false;
                    if (c == '\n') {
                        continue;
                    }
                }
                any = true;
                if (c == '\n' || c == '\r') {
                    skipLf = c == '\r';
                    number++;
                    return tooLong ? TOO_LONG : line.toString();
                }
                if (!tooLong) {
                    if (line.length() >= max) {
                        tooLong = true;
                        line = new StringBuilder();
                    } else {
                        line.append(c);
                    }
                }
            }
        }
    }
}
