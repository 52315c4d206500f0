package org.sessionstore.api;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import org.junit.jupiter.api.Test;

/** Ids that could hide or disguise themselves when printed are refused; visible text of any script is not. */
class IdsTest {

    @Test
    void visibleIdsOfAnyScriptAreAccepted() {
        for (String ok : new String[] {"abc", "café", "cafü", "日本語", "a b", "emoji-\uD83D\uDE00", "x".repeat(512)}) {
            assertEquals(ok, Ids.require(ok, "session id"));
        }
    }

    @Test
    void invisibleOrDisguisingCharactersAreRefusedNamingTheirCodePoint() {
        assertTrue(assertThrows(IllegalArgumentException.class, () -> Ids.require("\u00a0\u00a0", "session id"))
                .getMessage().contains("a space other than U+0020 (U+00A0) at index 0"));
        assertTrue(assertThrows(IllegalArgumentException.class, () -> Ids.require("admin\u202Enig", "state"))
                .getMessage().contains("an invisible format character (U+202E) at index 5"));
        assertTrue(assertThrows(IllegalArgumentException.class, () -> Ids.require("\u200b", "session id"))
                .getMessage().contains("(U+200B)"));
        assertTrue(assertThrows(IllegalArgumentException.class, () -> Ids.require("a\u2028b", "session id"))
                .getMessage().contains("a line or paragraph separator"));
        for (String hidden : new String[] {"a\uDB40\uDC41b", "\u3164", "a\u034Fb", "a\u115Fb", "x\uFE0F"}) {
            assertThrows(IllegalArgumentException.class, () -> Ids.require(hidden, "session id"), hidden);
            assertTrue(Redaction.printable(hidden).contains("\\u"), Redaction.printable(hidden));
        }
        assertEquals("session id must not be blank",
                assertThrows(IllegalArgumentException.class, () -> Ids.require("   ", "session id")).getMessage());
    }
}
