package org.sessionstore.console;

import java.io.ByteArrayInputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.InputStreamReader;
import java.io.PrintStream;
import java.io.Reader;
import java.nio.charset.StandardCharsets;
import java.util.Set;
import java.util.function.IntConsumer;

import org.apache.felix.service.command.CommandProcessor;
import org.apache.felix.service.command.CommandSession;
import org.sessionstore.api.Redaction;

/**
 * A line console over the Gogo runtime's {@link CommandProcessor}: reads a command per line, runs
 * it, prints its result, and prints a failure as one line ({@code error: …}) on standard error,
 * never a stack trace. Shows a {@code g! } prompt only when a terminal is attached, so piped
 * input gives clean output.
 *
 * <p>Input is UTF-8 whatever the platform's charset. A line longer than {@value #MAX_LINE}
 * characters is refused (its characters are read and dropped, never held), as a failure. A
 * command fails when it throws, when it writes to the session's standard error, or — Felix's
 * bundle lifecycle commands, which return their failures instead of throwing them — when its
 * result says so (see {@link #failedByResult}).
 */
final class Console {

    /** The longest line run, in characters; a command line is a few hundred. */
    static final int MAX_LINE = 65_536;

    /**
     * Felix's commands that report what failed in their result (a String, empty or null when all
     * went well) rather than by throwing: {@code start 999} returns "Bundle ID '999' is invalid.".
     */
    static final Set<String> REPORTING_IN_RESULT = Set.of("start", "stop", "update", "uninstall", "refresh", "resolve");

    /** How long a line after {@code refresh} waits for the refresh to be done. */
    static final int REFRESH_WAIT_SECONDS = 60;

    private final CommandProcessor processor;
    private final Object refreshLock = new Object();
    /** Refreshes the framework finished; guarded by {@link #refreshLock}. */
    private long refreshes;
    /** Set when the console's own bundle was stopped by the command that runs. */
    private volatile boolean ending;
    /** Told the exit status so far at each failure, so a framework stopped from a command keeps it. */
    private final IntConsumer status;
    private volatile boolean failed;

    /** The names of the store's commands (scope sessionstore), as published now. */
    private final java.util.function.Supplier<Set<String>> storeCommands;

    /** Every command name (scoped and not), for completion at a terminal. */
    private final java.util.function.Supplier<java.util.Collection<String>> commands;

    Console(CommandProcessor processor, IntConsumer status, java.util.function.Supplier<Set<String>> storeCommands,
            java.util.function.Supplier<java.util.Collection<String>> commands) {
        this.processor = processor;
        this.status = status;
        this.storeCommands = storeCommands;
        this.commands = commands;
    }

    /**
     * Runs until the end of input or {@code exit}; returns the exit status: 0 if every command
     * succeeded, 1 if any failed (each failure was printed as one {@code error:} line).
     */
    int run(InputStream input, PrintStream out, PrintStream err) throws IOException {
        OutputWatch sessionErr = new OutputWatch(err);
        CommandSession session = processor.createSession(new ByteArrayInputStream(new byte[0]), out, new PrintStream(
                sessionErr, true, StandardCharsets.UTF_8));
        Lines lines = open(input, out);
        try {
            while (true) {
                lines.prompt(out);
                String line = lines.next();
                if (line == null) {
                    return failed ? 1 : 0;
                }
                if (line == LineReader.TOO_LONG) {
                    fail();
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
                long mark = refreshes();
                boolean ok = runOne(session, command, sessionErr, out, err);
                if (ok && name(command).equals("refresh")) {
                    try {
                        awaitRefresh(mark);
                    } catch (InterruptedException e) {
                        Thread.currentThread().interrupt();
                        return 1;
                    }
                }
                if (ending) {
                    fail();
                    err.println("error: '" + name(command) + "' stopped the console bundle, and nothing else reads"
                            + " standard input: the process ends (lines after it were not run)");
                    return 1;
                }
                out.flush();
                err.flush();
            }
        } finally {
            lines.close();
            try {
                session.close();
            } catch (RuntimeException closed) {
                // the Gogo runtime was stopped under it
            }
        }
    }

    /** Where the console's lines come from: piped input, or a terminal (with history and editing when JLine is there). */
    interface Lines {
        /** The next line, {@link LineReader#TOO_LONG}, or null at the end of input. */
        String next() throws IOException;

        /** How many lines were read. */
        long number();

        /** Shows the prompt, if this source does not show its own. */
        default void prompt(PrintStream out) {
        }

        default void close() {
        }
    }

    private Lines open(InputStream input, PrintStream out) {
        boolean terminal = System.console() != null;
        if (terminal) {
            try {
                return new TerminalLines(commands, MAX_LINE);
            } catch (IOException | LinkageError | RuntimeException e) {
                // no JLine, or no terminal it can drive: plain lines with a prompt
            }
        }
        return new LineReader(new InputStreamReader(input, StandardCharsets.UTF_8), MAX_LINE, terminal);
    }

    /** The console's bundle is stopping under the command that runs: end once it returns. */
    void endAfterThisCommand() {
        synchronized (refreshLock) {
            ending = true;
            refreshLock.notifyAll();
        }
    }

    /** The framework finished a refresh (FrameworkEvent.PACKAGES_REFRESHED). */
    void refreshed() {
        synchronized (refreshLock) {
            refreshes++;
            refreshLock.notifyAll();
        }
    }

    private long refreshes() {
        synchronized (refreshLock) {
            return refreshes;
        }
    }

    /**
     * Felix's {@code refresh} returns before the framework refreshes (on its own thread): the next
     * line would race it (run on the bundles being stopped, or read after this console's bundle was
     * refreshed away). A script means one line after the other, so the console waits until the
     * refresh it started is done, or has stopped the console's bundle, at most {@value #REFRESH_WAIT_SECONDS} s.
     */
    private void awaitRefresh(long mark) throws InterruptedException {
        long end = System.nanoTime() + java.util.concurrent.TimeUnit.SECONDS.toNanos(REFRESH_WAIT_SECONDS);
        synchronized (refreshLock) {
            while (refreshes == mark && !ending) {
                long left = end - System.nanoTime();
                if (left <= 0) {
                    return;
                }
                java.util.concurrent.TimeUnit.NANOSECONDS.timedWait(refreshLock, left);
            }
        }
    }

    /** Runs one line; whether it succeeded. */
    private boolean runOne(CommandSession session, String command, OutputWatch sessionErr, PrintStream out, PrintStream err) {
        sessionErr.reset();
        String store = storeCommand(command);
        try {
            Object result = session.execute(command);
            if (result != null && !(result instanceof CharSequence text && text.toString().isBlank())) {
                out.println(result instanceof CharSequence || result instanceof Number || result instanceof Boolean
                        ? String.valueOf(result) : String.valueOf(session.format(result, 0)));
            }
            if (sessionErr.written() || failedByResult(command, result)) {
                fail();
                err.println("error: " + name(command) + " reported a failure (above)");
                return false;
            }
            return true;
        } catch (Exception e) {
            fail();
            String message = oneLine(e);
            if (store != null && message.startsWith("Cannot coerce ")) {
                // the command's usage, not Gogo's list of signatures
                err.println("error: wrong arguments for " + store + "; usage:");
                usage(store, err, "  ");
                return false;
            }
            err.println("error: " + explain(command, message));
            if (Boolean.getBoolean("sessionstore.console.trace")) {
                e.printStackTrace(err);
            }
            return false;
        }
    }

    /** {@code sessionstore:NAME} if the line's first word is one of the store's commands (scoped or not), else null. */
    private String storeCommand(String command) {
        String first = command.split("\\s+", 2)[0];
        int colon = first.indexOf(':');
        if (colon >= 0 && !first.substring(0, colon).equals("sessionstore")) {
            return null;
        }
        String name = first.substring(colon + 1);
        return storeCommands.get().contains(name) ? "sessionstore:" + name : null;
    }

    /** Prints the command's usage (what Gogo's help prints or returns for it) to {@code to}, each line after {@code indent}. */
    private void usage(String command, PrintStream to, String indent) {
        java.io.ByteArrayOutputStream text = new java.io.ByteArrayOutputStream();
        PrintStream into = new PrintStream(text, true, StandardCharsets.UTF_8);
        try {
            CommandSession help = processor.createSession(new ByteArrayInputStream(new byte[0]), into, into);
            try {
                Object result = help.execute("help " + command);
                if (result != null) {
                    into.println(result instanceof CharSequence ? result : help.format(result, 0));
                }
            } finally {
                help.close();
            }
        } catch (Exception e) {
            to.println(indent + "(see 'help " + command + "')");
            return;
        }
        text.toString(StandardCharsets.UTF_8).lines().filter(l -> !l.isBlank()).forEach(l -> to.println(indent + l));
    }

    private void fail() {
        if (!failed) {
            failed = true;
            status.accept(1);
        }
    }

    /** Whether any command failed so far. */
    boolean failed() {
        return failed;
    }

    /** The command's name without its scope: {@code felix:start 2} → {@code start}. */
    static String name(String command) {
        String first = command.split("\\s+", 2)[0];
        int colon = first.indexOf(':');
        return colon < 0 ? first : first.substring(colon + 1);
    }

    /**
     * Whether a command reported a failure in its result: one of {@link #REPORTING_IN_RESULT} that
     * returned something other than an empty text, or {@code install}, whose result is one
     * {@code Bundle ID: N} (or {@code Bundle IDs: N, M}) for what it installed and the failure otherwise.
     * Only a line's last result is seen: {@code start 999; sessionstore:count} discards what start
     * returned (Gogo keeps no per-statement result), so give such commands a line of their own.
     */
    static boolean failedByResult(String command, Object result) {
        if (!(result instanceof CharSequence text) || text.toString().isBlank()) {
            return false;
        }
        String name = name(command);
        if (name.equals("install")) {
            return text.toString().lines().anyMatch(l -> !l.isBlank() && !l.startsWith("Bundle ID: ")
                    && !l.startsWith("Bundle IDs: "));
        }
        return REPORTING_IN_RESULT.contains(name);
    }

    /** Gogo's "Cannot coerce f(Token) to any of [(String, String)]" in an operator's words. */
    static String explain(String command, String message) {
        if (name(command).equals("refresh") && command.strip().split("\\s+").length == 1
                && message.equals("NullPointerException")) {
            // Felix's refresh without an argument fails inside with a NullPointerException (found in review)
            return "refresh needs the bundles to refresh, by id or name, such as: refresh org.sessionstore.memory";
        }
        if (message.startsWith("Cannot coerce ")) {
            String name = command.split("\\s+", 2)[0];
            int any = message.indexOf("to any of ");
            String expected = any < 0 ? "" : "; expected arguments " + message.substring(any + "to any of ".length());
            return "wrong arguments for " + name + expected + "; see 'help " + name + "'";
        }
        return message;
    }

    /** A failure in one printable line: the first message found down the causes. */
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
        return Redaction.printable(nl < 0 ? message : message.substring(0, nl));
    }

    /**
     * Lines of at most {@code max} characters; a longer line is read to its end without being
     * kept and reported as {@link #TOO_LONG}. {@code \n}, {@code \r\n} and {@code \r} end a line.
     */
    static final class LineReader implements Lines {
        static final String TOO_LONG = new String("(too long)");
        private final Reader in;
        private final int max;
        private final char[] buf = new char[8192];
        private int pos;
        private int end;
        private boolean skipLf;
        private long number;

        /** Whether it shows the {@code g! } prompt (a terminal without JLine). */
        private final boolean prompting;

        LineReader(Reader in, int max) {
            this(in, max, false);
        }

        LineReader(Reader in, int max, boolean prompting) {
            this.in = in;
            this.max = max;
            this.prompting = prompting;
        }

        @Override
        public void prompt(PrintStream to) {
            if (prompting) {
                to.print("g! ");
                to.flush();
            }
        }

        @Override
        public long number() {
            return number;
        }

        @Override
        public String next() throws IOException {
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
