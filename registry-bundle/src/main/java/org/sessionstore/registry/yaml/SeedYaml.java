package org.sessionstore.registry.yaml;

import java.io.IOException;
import java.util.ArrayList;
import java.util.List;
import java.util.LinkedHashMap;
import java.util.Map;

import org.sessionstore.api.Redaction;

import com.fasterxml.jackson.core.JsonLocation;
import com.fasterxml.jackson.core.JsonParser;
import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.core.JsonToken;
import com.fasterxml.jackson.dataformat.yaml.YAMLFactory;
import com.fasterxml.jackson.dataformat.yaml.YAMLParser;

/**
 * Reads the Go original's YAML, unchanged:
 *
 * <pre>
 * session_store:
 *   type: redis
 *   config:
 *     addr: "127.0.0.1:6379"
 *     ttl: "24h"
 * </pre>
 *
 * into a flat configuration ({@code type} plus the {@code config:} keys, values as text), keeping
 * the line of each key so an error can name it. Jackson's streaming YAML parser reads it: no
 * object mapping, so nothing in the file can make us build anything but strings. Anything else in
 * the file is ignored; a key of {@code session_store} other than {@code type} and {@code config},
 * a list of plain values under {@code config} is read as the comma-separated list (for
 * {@code sentinels} and {@code cluster_nodes}); a mapping under {@code config} and a key given
 * twice are errors.
 */
final class SeedYaml {

    private static final YAMLFactory YAML = YAMLFactory.builder().build();

    /** A parsed file: the flat configuration and the 1-based line of each key. */
    record Parsed(Map<String, String> config, Map<String, Integer> lines, int blockLine) {
        int lineOf(String key) {
            return key == null ? blockLine : lines.getOrDefault(key, blockLine);
        }
    }

    /** A problem in the file, with its line. */
    static final class YamlProblem extends Exception {
        private static final long serialVersionUID = 1L;
        final int line;

        YamlProblem(int line, String message) {
            super(message);
            this.line = line;
        }
    }

    private SeedYaml() {
    }

    static Parsed parse(String text) throws YamlProblem {
        try (JsonParser p = YAML.createParser(text)) {
            return read(p);
        } catch (JsonProcessingException e) {
            JsonLocation at = e.getLocation();
            // the parser's message goes on with a copy of the offending line, which may hold a
            // password: only its first line (what is wrong) is kept, with the column
            throw new YamlProblem(at == null || at.getLineNr() < 1 ? 1 : at.getLineNr(), "not valid YAML: "
                    + Redaction.printable(firstLine(e.getOriginalMessage()))
                    + (at != null && at.getColumnNr() > 0 ? " (column " + at.getColumnNr() + ")" : ""));
        } catch (IOException | RuntimeException e) {
            throw new YamlProblem(1, "not valid YAML: " + Redaction.printable(firstLine(String.valueOf(e.getMessage()))));
        }
    }

    private static String firstLine(String message) {
        String m = String.valueOf(message);
        int nl = m.indexOf('\n');
        return (nl < 0 ? m : m.substring(0, nl)).strip();
    }

    private static Parsed read(JsonParser p) throws IOException, YamlProblem {
        if (next(p) != JsonToken.START_OBJECT) {
            throw new YamlProblem(line(p), "expected a mapping with a 'session_store' key");
        }
        Parsed found = null;
        while (next(p) == JsonToken.FIELD_NAME) {
            String name = p.currentName();
            int at = line(p);
            JsonToken value = next(p);
            if (!"session_store".equals(name)) {
                skip(p);
                continue;
            }
            if (found != null) {
                throw new YamlProblem(at, "'session_store' is given twice (first on line " + found.blockLine() + ")");
            }
            if (value != JsonToken.START_OBJECT) {
                throw new YamlProblem(line(p), "'session_store' must hold 'type' and 'config'");
            }
            found = block(p, at);
        }
        if (found == null) {
            throw new YamlProblem(1, "no 'session_store' key; write session_store: {type: memory, config: {}}");
        }
        if (p.nextToken() != null) {
            throw new YamlProblem(line(p), "a second YAML document (---) follows; the file holds one");
        }
        return found;
    }

    /** The next token, refusing what would make the file mean something else than it shows. */
    private static JsonToken next(JsonParser p) throws IOException, YamlProblem {
        JsonToken t = p.nextToken();
        if (p instanceof YAMLParser y && t != null) {
            if (y.isCurrentAlias() || y.getObjectId() != null) {
                throw new YamlProblem(line(p), "anchors and aliases (&a, *a) are not read here; write each value out");
            }
            if (t != JsonToken.FIELD_NAME && y.getTypeId() != null) {
                throw new YamlProblem(line(p), "explicit tags (" + Redaction.printable(String.valueOf(y.getTypeId()))
                        + ") are not read here; write plain values");
            }
        }
        return t;
    }

    /** Skips a value (and what it holds), checking each token on the way. */
    private static void skip(JsonParser p) throws IOException, YamlProblem {
        JsonToken t = p.currentToken();
        if (t == JsonToken.START_OBJECT || t == JsonToken.START_ARRAY) {
            int depth = 1;
            while (depth > 0) {
                JsonToken n = next(p);
                if (n == null) {
                    return;
                }
                if (n == JsonToken.START_OBJECT || n == JsonToken.START_ARRAY) {
                    depth++;
                } else if (n == JsonToken.END_OBJECT || n == JsonToken.END_ARRAY) {
                    depth--;
                }
            }
        }
    }

    private static Parsed block(JsonParser p, int blockLine) throws IOException, YamlProblem {
        Map<String, String> config = new LinkedHashMap<>();
        Map<String, Integer> lines = new LinkedHashMap<>();
        int configLine = 0;
        while (next(p) == JsonToken.FIELD_NAME) {
            String key = p.currentName();
            int at = line(p);
            JsonToken value = next(p);
            if ("type".equals(key)) {
                if (!value.isScalarValue() || value == JsonToken.VALUE_NULL) {
                    throw new YamlProblem(at, "key 'type' must be a store type such as memory or redis");
                }
                put(config, lines, "type", p.getText(), at);
            } else if ("config".equals(key)) {
                if (configLine > 0) {
                    throw new YamlProblem(at, "key 'config' is given twice (first on line " + configLine + ")");
                }
                configLine = at;
                if (value == JsonToken.VALUE_NULL || value == JsonToken.VALUE_STRING && p.getText().isEmpty()) {
                    continue;
                }
                if (value != JsonToken.START_OBJECT) {
                    throw new YamlProblem(at, "key 'config' must be a mapping of the backend's keys");
                }
                while (next(p) == JsonToken.FIELD_NAME) {
                    String k = p.currentName();
                    int kl = line(p);
                    JsonToken v = next(p);
                    if (v == JsonToken.START_ARRAY) {
                        // a list of plain values (such as sentinels or cluster_nodes) is the comma-separated list
                        List<String> items = new ArrayList<>();
                        for (JsonToken item; (item = next(p)) != JsonToken.END_ARRAY;) {
                            if (item == JsonToken.START_OBJECT || item == JsonToken.START_ARRAY || item == null) {
                                throw new YamlProblem(kl, "config key '" + Redaction.printable(k)
                                        + "' must have a plain value or a list of plain values");
                            }
                            items.add(item == JsonToken.VALUE_NULL ? "" : p.getText());
                        }
                        put(config, lines, k, String.join(",", items), kl);
                        continue;
                    }
                    if (v == JsonToken.START_OBJECT) {
                        throw new YamlProblem(kl, "config key '" + Redaction.printable(k)
                                + "' must have a plain value or a list of plain values");
                    }
                    put(config, lines, k, v == JsonToken.VALUE_NULL ? "" : p.getText(), kl);
                }
            } else {
                throw new YamlProblem(at, "unknown key '" + Redaction.printable(key) + "' under session_store; use type and config");
            }
        }
        return new Parsed(config, lines, blockLine);
    }

    private static void put(Map<String, String> config, Map<String, Integer> lines, String key, String value, int line)
            throws YamlProblem {
        if (lines.containsKey(key)) {
            throw new YamlProblem(line, "key '" + Redaction.printable(key) + "' is given twice (first on line "
                    + lines.get(key) + ")");
        }
        config.put(key, value);
        lines.put(key, line);
    }

    private static int line(JsonParser p) {
        JsonLocation at = p.currentTokenLocation();
        return at == null || at.getLineNr() < 1 ? 1 : at.getLineNr();
    }
}
