package org.sessionstore.registry.yaml;

import java.io.IOException;
import java.io.InputStream;
import java.lang.System.Logger;
import java.lang.System.Logger.Level;
import java.nio.ByteBuffer;
import java.nio.charset.CharacterCodingException;
import java.nio.charset.CodingErrorAction;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.nio.file.attribute.BasicFileAttributes;
import java.util.Arrays;
import java.util.Map;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import java.util.function.Consumer;

import org.sessionstore.api.Redaction;
import org.sessionstore.registry.yaml.SeedYaml.Parsed;
import org.sessionstore.registry.yaml.SeedYaml.YamlProblem;

/**
 * Watches the Go original's YAML file and hands it, unchanged, to the registry's one door at
 * start and whenever it changes (checked every second). It only reads and submits: the registry
 * validates and applies it (a type no bundle provides yet is pending, and applied when one
 * arrives) and saves it as PID {@code sessionstore}.
 *
 * <p>The file is {@code etc/session-store.yaml} beside the other {@code etc/} files (framework
 * property {@code sessionstore.etc}, or Karaf's {@code karaf.etc}) unless the framework property
 * {@value #PATH_PROPERTY} names another. A file larger than {@value #MAX_BYTES} bytes, not UTF-8
 * or not valid YAML is reported once per change, with its line; the running store stays. The
 * watcher survives anything a check throws.
 */
public final class YamlWatcher implements AutoCloseable {

    /** The framework property naming the file. */
    public static final String PATH_PROPERTY = "sessionstore.yaml";
    /** The largest file read; the seed's block is a few hundred bytes. */
    public static final int MAX_BYTES = 64 * 1024;
    private static final Logger LOG = System.getLogger("org.sessionstore.registry");

    /** What the file says now. */
    public sealed interface Reading {
    }

    /** No file. */
    public record Absent() implements Reading {
    }

    /**
     * A configuration, and where its keys are.
     *
     * @param config the keys and values
     * @param file the file, for messages
     * @param lineOfKey the 1-based line of a key in the file, 0 when unknown
     */
    public record Found(Map<String, String> config, String file, java.util.function.ToIntFunction<String> lineOfKey)
            implements Reading {
    }

    /** A file that cannot be used, and why (file and line included). */
    public record Problem(String message) implements Reading {
    }

    private final Path file;
    private final Consumer<Reading> onChange;
    private ScheduledExecutorService poller;
    // touched only by the poller thread (and by readNow before the poller starts)
    private long lastSize = -1;
    private long lastModified = -1;
    private byte[] lastBytes;
    /** The size and time of the file when reading it last failed, so the failure is reported once. */
    private String failedAt;

    /**
     * @param file the file to watch
     * @param onChange receives each new reading, on the watcher's thread
     */
    public YamlWatcher(Path file, Consumer<Reading> onChange) {
        this.file = file.toAbsolutePath().normalize();
        this.onChange = onChange;
    }

    /** The file named by the framework properties (see the class comment). */
    public static Path fileFrom(java.util.function.UnaryOperator<String> frameworkProperty) {
        String configured = frameworkProperty.apply(PATH_PROPERTY);
        if (configured != null && !configured.isBlank()) {
            return Path.of(configured);
        }
        String etc = frameworkProperty.apply("sessionstore.etc");
        if (etc == null) {
            etc = frameworkProperty.apply("karaf.etc");
        }
        return Path.of(etc != null ? etc : "etc", "session-store.yaml");
    }

    public Path file() {
        return file;
    }

    /** Reads the file now (at start, before the watcher runs) and remembers it as seen. */
    public Reading readNow() {
        try {
            Reading r = check(true);
            return r == null ? new Absent() : r;
        } catch (Throwable t) {
            return new Problem(file + ": cannot be read: " + Redaction.printable(String.valueOf(t)));
        }
    }

    /** Checks the file every second from now on. */
    public synchronized void start() {
        poller = Executors.newSingleThreadScheduledExecutor(r -> {
            Thread t = new Thread(r, "sessionstore-yaml");
            t.setDaemon(true);
            return t;
        });
        poller.scheduleWithFixedDelay(this::poll, 1, 1, TimeUnit.SECONDS);
    }

    @Override
    public synchronized void close() {
        if (poller != null) {
            poller.shutdownNow();
            poller = null;
        }
    }

    /** One check: hands a changed file's reading on; survives anything. */
    void poll() {
        Reading r;
        try {
            r = check(false);
        } catch (Throwable t) {
            // a scheduled task that throws is never run again: whatever happened, report it, once
            // for a given size and time of the file, and go on
            lastBytes = null;
            String at = lastSize + "/" + lastModified;
            r = at.equals(failedAt) ? null : new Problem(file + ": cannot be read: " + Redaction.printable(String.valueOf(t)));
            failedAt = at;
        }
        if (r != null) {
            try {
                onChange.accept(r);
            } catch (Throwable t) {
                LOG.log(Level.ERROR, "applying " + file + " failed: " + Redaction.printable(String.valueOf(t)));
            }
        }
    }

    private void forget() {
        lastBytes = null;
        lastModified = -1;
    }

    /** The new reading if the file changed since the last check (or {@code always}), else null. */
    private Reading check(boolean always) throws IOException {
        BasicFileAttributes attrs;
        try {
            attrs = Files.readAttributes(file, BasicFileAttributes.class);
        } catch (NoSuchFileException gone) {
            // a removed file changes nothing: the configuration it gave stays (saved in ConfigAdmin)
            lastSize = -1;
            forget();
            return null;
        }
        if (!attrs.isRegularFile()) {
            return always ? new Problem(file + ": is not a regular file") : null;
        }
        long size = attrs.size();
        long modified = attrs.lastModifiedTime().toMillis();
        if (!always && size == lastSize && modified == lastModified && size > MAX_BYTES) {
            return null; // an oversized file is reported once, and not read again until it changes
        }
        // otherwise the bytes are compared every time: an edit that keeps the size and the time
        // (cp -p, a clock step) is still seen
        lastSize = size;
        lastModified = modified;
        if (size > MAX_BYTES) {
            lastBytes = null;
            return new Problem(file + ": the file is " + size + " bytes long; at most " + MAX_BYTES
                    + " are read (the session_store block needs a few hundred)");
        }
        byte[] bytes;
        try (InputStream in = Files.newInputStream(file)) {
            bytes = in.readNBytes(MAX_BYTES + 1);
        }
        if (bytes.length > MAX_BYTES) {
            lastBytes = null;
            return new Problem(file + ": the file is longer than " + MAX_BYTES + " bytes; at most " + MAX_BYTES
                    + " are read (the session_store block needs a few hundred)");
        }
        if (!always && lastBytes != null && Arrays.equals(bytes, lastBytes)) {
            return null; // touched, not changed
        }
        lastBytes = bytes;
        String text;
        try {
            text = StandardCharsets.UTF_8.newDecoder().onMalformedInput(CodingErrorAction.REPORT)
                    .onUnmappableCharacter(CodingErrorAction.REPORT).decode(ByteBuffer.wrap(bytes)).toString();
        } catch (CharacterCodingException e) {
            return new Problem(file + ":" + lineAt(bytes) + ": the file is not UTF-8 text; save it as UTF-8");
        }
        try {
            Parsed p = SeedYaml.parse(text);
            return new Found(p.config(), file.toString(), p::lineOf);
        } catch (YamlProblem p) {
            return new Problem(file + ":" + p.line + ": " + p.getMessage());
        }
    }

    /** The line of the first byte that is not UTF-8. */
    private static int lineAt(byte[] bytes) {
        var decoder = StandardCharsets.UTF_8.newDecoder().onMalformedInput(CodingErrorAction.REPORT)
                .onUnmappableCharacter(CodingErrorAction.REPORT);
        int line = 1;
        int start = 0;
        for (int i = 0; i <= bytes.length; i++) {
            if (i == bytes.length || bytes[i] == '\n') {
                try {
                    decoder.reset().decode(ByteBuffer.wrap(bytes, start, i - start));
                } catch (CharacterCodingException e) {
                    return line;
                }
                line++;
                start = i + 1;
            }
        }
        return 1;
    }
}
