package org.sessionstore.distribution;

import java.io.OutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;

/**
 * A stream that passes everything on, and remembers whether anything was written since
 * {@link #reset()} and the first {@value #KEPT} bytes of it: how the console sees what a command
 * printed, whichever way it printed it (its session's streams, or System.out and System.err,
 * which the launcher routes through one of these before Gogo starts).
 */
final class OutputWatch extends OutputStream {
    static final int KEPT = 64 * 1024;
    private final PrintStream target;
    private final java.io.ByteArrayOutputStream kept = new java.io.ByteArrayOutputStream();
    private volatile boolean written;

OutputWatch(PrintStream target) {
        this.target = target;
    }

    synchronized void reset() {
        written = false;
        kept.reset();
    }

    boolean written() {
        return written;
    }

    synchronized String captured() {
        return kept.toString(StandardCharsets.UTF_8);
    }

    @Override
    public synchronized void write(int b) {
        written = true;
        if (kept.size() < KEPT) {
            kept.write(b);
        }
        target.write(b);
    }

    @Override
    public synchronized void write(byte[] b, int off, int len) {
        if (len > 0) {
            written = true;
            kept.write(b, off, Math.max(0, Math.min(len, KEPT - kept.size())));
        }
        target.write(b, off, len);
    }

    @Override
    public void flush() {
        target.flush();
    }
}
