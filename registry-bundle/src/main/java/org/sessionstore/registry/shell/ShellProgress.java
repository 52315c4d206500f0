package org.sessionstore.registry.shell;

import java.util.Optional;

/** Progress lines of a long command (a migration, a clean) on the shell that ran it. */
final class ShellProgress {

    private ShellProgress() {
    }

    /**
     * Runs {@code op}; while it runs, prints {@code line} every second (when it has one) to this
     * command's output. The operation runs on a thread of its own and the printing on the command's
     * thread, whose standard output the shell routes to the session (Gogo and Karaf both do so per
     * thread), so the lines reach the shell that ran the command: a terminal, a pipe or SSH. An
     * interrupted command (Ctrl-C) stops saying progress; the operation goes on (a migration cannot
     * be stopped half way) and {@code info} tells its end.
     */
    static <T> T whileSaying(java.util.concurrent.Callable<T> op, java.util.function.Supplier<Optional<String>> line) {
        return whileSaying(op, line, PROGRESS_POLL_MILLIS);
    }

    static <T> T whileSaying(java.util.concurrent.Callable<T> op, java.util.function.Supplier<Optional<String>> line,
            long pollMillis) {
        java.util.concurrent.FutureTask<T> task = new java.util.concurrent.FutureTask<>(op);
        Thread t = new Thread(task, "sessionstore-shell-command");
        t.setDaemon(true);
        t.start();
        String last = null;
        while (true) {
            try {
                return task.get(pollMillis, java.util.concurrent.TimeUnit.MILLISECONDS);
            } catch (java.util.concurrent.TimeoutException running) {
                String now = line.get().orElse(null);
                if (now != null && !now.equals(last)) {
                    System.out.println("progress: " + now);
                    System.out.flush();
                    last = now;
                }
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                throw new IllegalStateException("interrupted; the operation goes on, see sessionstore:info");
            } catch (java.util.concurrent.ExecutionException e) {
                Throwable cause = e.getCause();
                if (cause instanceof RuntimeException r) {
                    throw r;
                }
                if (cause instanceof Error err) {
                    throw err;
                }
                throw new IllegalStateException(cause);
            }
        }
    }

    /**
     * How often the command looks for a new progress line; each line (the migration writes one a
     * second) is printed once, when it appears: polling in step with the ticks missed some (review).
     */
    static final long PROGRESS_POLL_MILLIS = 200;
}
