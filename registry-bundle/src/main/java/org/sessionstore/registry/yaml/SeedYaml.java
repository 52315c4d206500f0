package org.sessionstore.registry.yaml;

import java.io.Reader;
import java.io.StringReader;
import java.util.LinkedHashMap;
import java.util.Map;

import org.yaml.snakeyaml.LoaderOptions;
import org.yaml.snakeyaml.Yaml;
import org.yaml.snakeyaml.constructor.SafeConstructor;
import org.yaml.snakeyaml.error.MarkedYAMLException;
import org.yaml.snakeyaml.nodes.MappingNode;
import org.yaml.snakeyaml.nodes.Node;
import org.yaml.snakeyaml.nodes.NodeTuple;
import org.yaml.snakeyaml.nodes.ScalarNode;

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
 * the line of each key so an error can name it. Anything else in the file is ignored; a key of
 * {@code session_store} other than {@code type} and {@code config} is an error.
 */
final class SeedYaml {

    /** A parsed file: the flat configuration and the 1-based line of each key. */
    record Parsed(Map<String, String> config, Map<String, Integer> lines, int blockLine) {
        int lineOf(String key) {
            return lines.getOrDefault(key, blockLine);
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
        Node root;
        try (Reader r = new StringReader(text)) {
            root = new Yaml(new SafeConstructor(new LoaderOptions())).compose(r);
        } catch (MarkedYAMLException e) {
            int line = e.getProblemMark() == null ? 1 : e.getProblemMark().getLine() + 1;
            throw new YamlProblem(line, "not valid YAML: " + e.getProblem());
        } catch (java.io.IOException | RuntimeException e) {
            throw new YamlProblem(1, "not valid YAML: " + e.getMessage());
        }
        if (!(root instanceof MappingNode top)) {
            throw new YamlProblem(1, "expected a mapping with a 'session_store' key");
        }
        MappingNode block = null;
        for (NodeTuple t : top.getValue()) {
            if ("session_store".equals(scalar(t.getKeyNode()))) {
                if (!(t.getValueNode() instanceof MappingNode m)) {
                    throw new YamlProblem(line(t.getValueNode()), "'session_store' must hold 'type' and 'config'");
                }
                block = m;
            }
        }
        if (block == null) {
            throw new YamlProblem(1, "no 'session_store' key; write session_store: {type: memory, config: {}}");
        }
        Map<String, String> config = new LinkedHashMap<>();
        Map<String, Integer> lines = new LinkedHashMap<>();
        for (NodeTuple t : block.getValue()) {
            String key = scalar(t.getKeyNode());
            if ("type".equals(key)) {
                String type = scalar(t.getValueNode());
                if (type == null) {
                    throw new YamlProblem(line(t.getValueNode()), "key 'type' must be a store type such as memory or redis");
                }
                config.put("type", type);
                lines.put("type", line(t.getKeyNode()));
            } else if ("config".equals(key)) {
                Node value = t.getValueNode();
                if (value instanceof ScalarNode s && (s.getValue().isEmpty() || "null".equals(s.getValue()))) {
                    continue;
                }
                if (!(value instanceof MappingNode m)) {
                    throw new YamlProblem(line(value), "key 'config' must be a mapping of the backend's keys");
                }
                for (NodeTuple c : m.getValue()) {
                    String k = scalar(c.getKeyNode());
                    String v = scalar(c.getValueNode());
                    if (k == null || v == null) {
                        throw new YamlProblem(line(c.getKeyNode()), "config key '" + k + "' must have a plain value");
                    }
                    config.put(k, v);
                    lines.put(k, line(c.getKeyNode()));
                }
            } else {
                throw new YamlProblem(line(t.getKeyNode()), "unknown key '" + key + "' under session_store; use type and config");
            }
        }
        return new Parsed(config, lines, line(block));
    }

    private static String scalar(Node n) {
        return n instanceof ScalarNode s ? s.getValue() : null;
    }

    private static int line(Node n) {
        return n.getStartMark() == null ? 1 : n.getStartMark().getLine() + 1;
    }
}
