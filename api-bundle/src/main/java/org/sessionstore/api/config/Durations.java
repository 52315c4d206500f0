package org.sessionstore.api.config;

import java.time.Duration;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * Reads and writes durations the way the Go original's configuration does ({@code time.ParseDuration}):
 * a sequence of decimal numbers with units {@code h}, {@code m}, {@code s}, {@code ms}, {@code us}
 * or {@code ns}, such as {@code 24h}, {@code 2h30m}, {@code 1.5h}, {@code 90s}, {@code 500ms}.
 * {@code 0} alone is zero. A leading {@code -} makes it negative.
 */
public final class Durations {

    private static final Pattern PART = Pattern.compile("(\\d+(?:\\.\\d*)?|\\.\\d+)(ns|us|µs|ms|s|m|h)");

    private Durations() {
    }

    /**
     * Parses a duration.
     *
     * @param text for example {@code 2h30m}
     * @return the duration
     * @throws IllegalArgumentException if it is not a duration, with an example of one
     */
    public static Duration parse(String text) {
        if (text == null || text.isBlank()) {
            throw new IllegalArgumentException("empty duration; write one like 24h, 2h30m, 90s or 500ms");
        }
        String s = text.trim();
        boolean negative = s.startsWith("-");
        if (negative || s.startsWith("+")) {
            s = s.substring(1);
        }
        if (s.equals("0")) {
            return Duration.ZERO;
        }
        Matcher m = PART.matcher(s);
        long nanos = 0;
        int at = 0;
        while (at < s.length()) {
            if (!m.find(at) || m.start() != at) {
                throw new IllegalArgumentException("'" + text + "' is not a duration; write one like 24h, 2h30m, 90s or 500ms");
            }
            double number = Double.parseDouble(m.group(1));
            long unit = switch (m.group(2)) {
                case "ns" -> 1L;
                case "us", "µs" -> 1_000L;
                case "ms" -> 1_000_000L;
                case "s" -> 1_000_000_000L;
                case "m" -> 60_000_000_000L;
                default -> 3_600_000_000_000L;
            };
            double part = number * unit;
            if (part >= Long.MAX_VALUE) {
                throw new IllegalArgumentException("'" + text + "' is too long a duration; at most about 292 years");
            }
            try {
                nanos = Math.addExact(nanos, Math.round(part));
            } catch (ArithmeticException e) {
                throw new IllegalArgumentException("'" + text + "' is too long a duration; at most about 292 years");
            }
            at = m.end();
        }
        return Duration.ofNanos(negative ? -nanos : nanos);
    }

    /**
     * Writes a duration in the shortest form {@link #parse} reads back, for example {@code 2h30m}.
     *
     * @param d the duration
     * @return its text
     */
    public static String format(Duration d) {
        if (d.isZero()) {
            return "0s";
        }
        StringBuilder b = new StringBuilder(d.isNegative() ? "-" : "");
        Duration a = d.abs();
        long h = a.toHours();
        int m = a.toMinutesPart();
        int s = a.toSecondsPart();
        int ms = a.toMillisPart();
        long restNanos = a.toNanosPart() % 1_000_000;
        if (h > 0) {
            b.append(h).append('h');
        }
        if (m > 0) {
            b.append(m).append('m');
        }
        if (s > 0) {
            b.append(s).append('s');
        }
        if (ms > 0) {
            b.append(ms).append("ms");
        }
        if (restNanos > 0) {
            b.append(restNanos).append("ns");
        }
        return b.toString();
    }
}
