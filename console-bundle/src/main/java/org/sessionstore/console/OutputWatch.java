package org.sessionstore.console;

import java.io.OutputStream;
import java.io.PrintStream;

/**
 * A stream that passes everything on and remembers whether anything was written since
 * {@link #reset()}: how the console sees that a command wrote to its standard error.
 */
final class OutputWatch extends OutputStream {
    private final PrintStream target;
    private volatile boolean written;

    OutputWatch(PrintStream target) {
        this.target = target;
    }

    void reset() {
        written = false;
    }

    boolean written() {
        return written;
    }

    @Override
    public void write(int b) {
        written = true;
        target.write(b);
    }

    @Override
    public void write(byte[] b, int off, int len) {
        if (len > 0) {
            written = true;
        }
        target.write(b, off, len);
    }

    @Override
    public void flush() {
        target.flush();
    }
}
