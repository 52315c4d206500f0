package org.sessionstore.registry.yaml;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.Map;

import org.junit.jupiter.api.Test;
import org.sessionstore.registry.yaml.SeedYaml.Parsed;
import org.sessionstore.registry.yaml.SeedYaml.YamlProblem;

class SeedYamlTest {

    @Test
    void readsTheSeedsBlockUnchanged() throws Exception {
        Parsed p = SeedYaml.parse("""
                # the Go original's file
                session_store:
                  type: redis
                  config:
                    addr: "127.0.0.1:6379"
                    password: ""
                    db: 0
                    session_prefix: "oathkeeper:session:"
                    state_prefix: "oathkeeper:state:"
                    ttl: "24h"
                """);
        assertEquals(Map.of("type", "redis", "addr", "127.0.0.1:6379", "password", "", "db", "0",
                "session_prefix", "oathkeeper:session:", "state_prefix", "oathkeeper:state:", "ttl", "24h"), p.config());
        assertEquals(3, p.lineOf("type"));
        assertEquals(10, p.lineOf("ttl"));
    }

    @Test
    void memoryWithEmptyConfig() throws Exception {
        assertEquals(Map.of("type", "memory"), SeedYaml.parse("session_store:\n  type: memory\n  config: {}\n").config());
    }

    @Test
    void problemsCarryTheirLine() {
        YamlProblem bad = assertThrows(YamlProblem.class, () -> SeedYaml.parse("session_store:\n  type: redis\n  config:\n    addr: \"unterminated\n"));
        assertTrue(bad.line >= 3, "line " + bad.line);
        assertTrue(bad.getMessage().startsWith("not valid YAML"), bad.getMessage());
        YamlProblem unknown = assertThrows(YamlProblem.class, () -> SeedYaml.parse("session_store:\n  type: redis\n  conifg: {}\n"));
        assertEquals(3, unknown.line);
        assertTrue(unknown.getMessage().contains("'conifg'"));
        assertThrows(YamlProblem.class, () -> SeedYaml.parse("other: 1\n"));
        // found in review: the parser's message copied the offending line, password and all
        for (String line : new String[] {"    password: YamlSecret-98: x\n", "    password: \"YamlSecret-97\"x\n",
            "    password: @YamlSecret-94\n", "\tpassword: YamlSecret-93\n"}) {
            YamlProblem p = assertThrows(YamlProblem.class,
                    () -> SeedYaml.parse("session_store:\n  type: redis\n  config:\n" + line));
            assertFalse(p.getMessage().contains("YamlSecret"), p.getMessage());
            assertFalse(p.getMessage().contains("\\u000A"), p.getMessage());
        }
        YamlProblem twice = assertThrows(YamlProblem.class,
                () -> SeedYaml.parse("session_store:\n  type: redis\n  config:\n    ttl: 1h\n    ttl: 2h\n"));
        assertEquals(5, twice.line);
        assertTrue(twice.getMessage().contains("given twice (first on line 4)"), twice.getMessage());
        YamlProblem nested = assertThrows(YamlProblem.class,
                () -> SeedYaml.parse("session_store:\n  type: redis\n  config:\n    addr: {a: b}\n"));
        assertEquals(4, nested.line);
        YamlProblem listOfLists = assertThrows(YamlProblem.class,
                () -> SeedYaml.parse("session_store:\n  type: redis\n  config:\n    sentinels: [[a], b]\n"));
        assertTrue(listOfLists.getMessage().contains("a list of plain values"), listOfLists.getMessage());
    }

    @Test
    void aListIsTheCommaSeparatedValue() throws Exception {
        Parsed p = SeedYaml.parse("""
                session_store:
                  type: redis
                  config:
                    sentinels:
                      - "10.0.0.1:26379"
                      - "10.0.0.2:26379"
                    master_name: sessions
                    cluster_nodes: [a:7000, b:7000]
                """);
        assertEquals("10.0.0.1:26379,10.0.0.2:26379", p.config().get("sentinels"));
        assertEquals("a:7000,b:7000", p.config().get("cluster_nodes"));
        assertEquals(4, p.lineOf("sentinels"));
    }
}
