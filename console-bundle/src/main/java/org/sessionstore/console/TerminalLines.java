package org.sessionstore.console;

import java.io.IOException;
import java.util.Collection;
import java.util.function.Supplier;

import org.jline.reader.Candidate;
import org.jline.reader.EndOfFileException;
import org.jline.reader.LineReader;
import org.jline.reader.LineReaderBuilder;
import org.jline.reader.UserInterruptException;
import org.jline.terminal.Terminal;
import org.jline.terminal.TerminalBuilder;

/**
 * Lines typed at a terminal, read with JLine (as Gogo's own shell does): the Up and Down arrows
 * walk the history, the line can be edited, Tab completes command names ({@code sessionstore:add},
 * {@code lb}, …). The history is kept for the process only, never written to a file: a {@code use}
 * line may carry a password. Ctrl-C drops the line being typed; Ctrl-D on an empty line ends the
 * console like the end of piped input. Only loaded when a terminal is attached and JLine is there.
 */
final class TerminalLines implements Console.Lines {

    private final Terminal terminal;
    private final LineReader reader;
    private final int max;
    private long number;

    TerminalLines(Supplier<Collection<String>> commands, int max) throws IOException {
        this.max = max;
        // JLine finds its terminal providers by the context class loader: in a framework, that must be JLine's own
        Thread t = Thread.currentThread();
        ClassLoader before = t.getContextClassLoader();
        t.setContextClassLoader(TerminalBuilder.class.getClassLoader());
        try {
            this.terminal = TerminalBuilder.builder().system(true).dumb(false).build();
        } finally {
            t.setContextClassLoader(before);
        }
        this.reader = LineReaderBuilder.builder().terminal(terminal).appName("sessionstore")
                .completer((r, line, candidates) -> {
                    if (line.wordIndex() == 0) {
                        for (String c : commands.get()) {
                            candidates.add(new Candidate(c));
                        }
                    }
                })
                // the line as typed: no history expansion (a '!' in a password would splice in an earlier line)
                // and no escapes taken out (Gogo reads quotes and backslashes itself, as from a pipe)
                .option(LineReader.Option.DISABLE_EVENT_EXPANSION, true)
                .parser(new org.jline.reader.impl.DefaultParser().escapeChars(null))
                .build();
        // the arrows as a terminal sends them outside keypad mode too (ESC [ A), not only as terminfo says (ESC O A)
        org.jline.keymap.KeyMap<org.jline.reader.Binding> main = reader.getKeyMaps().get(LineReader.MAIN);
        main.bind(new org.jline.reader.Reference(LineReader.UP_LINE_OR_HISTORY), "\033[A");
        main.bind(new org.jline.reader.Reference(LineReader.DOWN_LINE_OR_HISTORY), "\033[B");
        main.bind(new org.jline.reader.Reference(LineReader.FORWARD_CHAR), "\033[C");
        main.bind(new org.jline.reader.Reference(LineReader.BACKWARD_CHAR), "\033[D");
    }

    @Override
    public String next() {
        while (true) {
            try {
                String line = reader.readLine("g! ");
                number++;
                return line.length() > max ? Console.LineReader.TOO_LONG : line;
            } catch (UserInterruptException e) {
                continue; // Ctrl-C: the line typed so far is dropped
            } catch (EndOfFileException e) {
                return null;
            }
        }
    }

    @Override
    public long number() {
        return number;
    }

    @Override
    public void close() {
        try {
            terminal.close();
        } catch (IOException e) {
            // the process ends
        }
    }
}
