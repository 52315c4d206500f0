package org.sessionstore.api.config;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

import java.time.Duration;

import org.junit.jupiter.api.Test;

class DurationsTest {

    @Test
    void readsGoDurations() {
        assertEquals(Duration.ofHours(24), Durations.parse("24h"));
        assertEquals(Duration.ofMinutes(150), Durations.parse("2h30m"));
        assertEquals(Duration.ofSeconds(90), Durations.parse("90s"));
        assertEquals(Duration.ofMillis(500), Durations.parse("500ms"));
        assertEquals(Duration.ofMinutes(90), Durations.parse("1.5h"));
        assertEquals(Duration.ofMinutes(-5), Durations.parse("-5m"));
        assertEquals(Duration.ZERO, Durations.parse("0"));
    }

    @Test
    void rejectsWhatIsNotADuration() {
        for (String bad : new String[] {"", "5", "abc", "5 m", "h", "5mm", "1d"}) {
            IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> Durations.parse(bad), bad);
            assertEquals(true, e.getMessage().contains("24h"), e.getMessage());
        }
    }

    @Test
    void formatsWhatItReads() {
        for (String s : new String[] {"24h", "2h30m", "90s", "500ms", "1h0m1s"}) {
            Duration d = Durations.parse(s);
            assertEquals(d, Durations.parse(Durations.format(d)));
        }
        assertEquals("1m30s", Durations.format(Duration.ofSeconds(90)));
    }
}
