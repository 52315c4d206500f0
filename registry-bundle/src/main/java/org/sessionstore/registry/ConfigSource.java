package org.sessionstore.registry;

import java.io.IOException;
import java.io.InputStream;
import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Map;
import java.util.function.ToIntFunction;
import java.util.regex.Pattern;

import org.sessionstore.api.Redaction;

/**
 * Where a configuration came from, so that an error names the file, the line and the key an
 * operator has to fix: {@code /srv/etc/sessionstore.cfg:3: key 'max_sessions': bad value …}.
 *
 * @param name the file, or the door ({@code sessionstore:use}, {@code ConfigAdmin PID sessionstore})
 * @param lineOfKey the 1-based line of a key in the file, 0 when unknown
 */
public record ConfigSource(String name, ToIntFunction<String> lineOfKey) {

    /** The FileInstall property that names the file a configuration was read from. */
    static final String FILEINSTALL_FILENAME = "felix.fileinstall.filename";
    /** Files larger than this are not searched for a key's line. */
    private static final long LARGEST_SEARCHED = 1 << 20;

    static final ConfigSource SHELL = new ConfigSource("sessionstore:use", k -> 0);
    static final ConfigSource DEFAULTS = new ConfigSource("defaults (no configuration)", k -> 0);

    /**
     * The source of a configuration ConfigAdmin delivered: the {@code etc/} file FileInstall read
     * it from, or ConfigAdmin itself.
     *
     * @param properties the configuration
     * @return its source
     */
    static ConfigSource of(Map<String, ?> properties) {
        Object file = properties.get(FILEINSTALL_FILENAME);
        if (file == null) {
            return properties.containsKey("service.pid") ? new ConfigSource("ConfigAdmin PID sessionstore", k -> 0) : DEFAULTS;
        }
        Path path;
        try {
            String f = String.valueOf(file);
            path = f.startsWith("file:") ? Path.of(URI.create(f)) : Path.of(f);
        } catch (RuntimeException e) {
            return new ConfigSource(Redaction.printable(String.valueOf(file)), k -> 0);
        }
        return new ConfigSource(path.toString(), key -> propertiesLine(path, key));
    }

    /**
     * The line of {@code key} in a {@code .cfg} (properties) or {@code .config} file: the first line
     * that starts with the key followed by {@code =}, {@code :} or a blank.
     */
    static int propertiesLine(Path file, String key) {
        try {
            if (Files.size(file) > LARGEST_SEARCHED) {
                return 0;
            }
            String text;
            try (InputStream in = Files.newInputStream(file)) {
                text = new String(in.readAllBytes(), StandardCharsets.ISO_8859_1);
            }
            Pattern p = Pattern.compile("^[ \\t]*" + Pattern.quote(key) + "[ \\t]*[=:\\s]");
            String[] lines = text.split("\r\n|\r|\n", -1);
            for (int i = 0; i < lines.length; i++) {
                if (p.matcher(lines[i]).find()) {
                    return i + 1;
                }
            }
        } catch (IOException | RuntimeException e) {
            // no line then
        }
        return 0;
    }

    /**
     * Where to look, for a message: {@code file:line: key 'k'}, {@code file: key 'k'} or the
     * door's name.
     *
     * @param key the key at fault, or null
     * @return the prefix of an error message (without the final colon)
     */
    public String locate(String key) {
        int line = key == null ? 0 : lineOfKey.applyAsInt(key);
        return name + (line > 0 ? ":" + line : "") + (key == null ? "" : ": key '" + Redaction.printable(key) + "'");
    }

    @Override
    public String toString() {
        return name;
    }
}
