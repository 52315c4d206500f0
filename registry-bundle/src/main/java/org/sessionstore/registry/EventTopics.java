package org.sessionstore.registry;

import java.util.Map;

/**
 * The registry's event topics and their properties (never a token, a session id or a state):
 *
 * <ul>
 * <li>{@value #ADDED}: {@code store.type}, {@code sub} (if the session has one)</li>
 * <li>{@value #DELETED}: {@code store.type}</li>
 * <li>{@value #REVOKED}: {@code store.type}, {@code reason} ({@code revoked}: by subject; {@code sid}: by
 * the identity provider's session, a back-channel logout; {@code limit}: the subject's oldest went for a
 * new one under {@code max_sessions_per_subject}), {@code count}, and {@code sub} unless the reason is
 * {@code sid} (never the sid itself, nor a session id)</li>
 * <li>{@value #EXPIRED}: {@code store.type}, {@code count}, {@code reason} ({@code ttl}: the sessions reached
 * their end; {@code idle}: their {@code idle_timeout} passed first; one event for each reason a cleaning
 * found, by housekeeping or {@code clean})</li>
 * <li>{@value #CONSUMED}: {@code store.type} (a state was validated and taken)</li>
 * <li>{@value #REJECTED}: {@code store.type}, {@code reason} (a state was taken but its User-Agent
 * differed: the callback was refused, the state is gone)</li>
 * <li>{@value #SWITCHED}: {@code store.type}, {@code previous.type} (a swap: a store starts serving), and
 * {@code sessions.left} when the replaced store held sessions that could not be copied (its backend
 * cannot list them)</li>
 * <li>{@value #UNAVAILABLE}: {@code store.type}, {@code reason} (the first failed call)</li>
 * <li>{@value #AVAILABLE}: {@code store.type} (the first call that succeeds after that)</li>
 * </ul>
 */
final class EventTopics {

    static final String ADDED = "org/sessionstore/session/ADDED";
    static final String DELETED = "org/sessionstore/session/DELETED";
    static final String REVOKED = "org/sessionstore/session/REVOKED";
    static final String EXPIRED = "org/sessionstore/session/EXPIRED";
    static final String CONSUMED = "org/sessionstore/state/CONSUMED";
    static final String REJECTED = "org/sessionstore/state/REJECTED";
    static final String SWITCHED = "org/sessionstore/store/SWITCHED";
    static final String UNAVAILABLE = "org/sessionstore/store/UNAVAILABLE";
    static final String AVAILABLE = "org/sessionstore/store/AVAILABLE";
    /** Every topic; an event names its topic by its index here. */
    static final String[] TOPICS = {ADDED, DELETED, REVOKED, EXPIRED, CONSUMED, REJECTED, SWITCHED, UNAVAILABLE,
        AVAILABLE};
    static final int I_ADDED = 0;
    static final int I_DELETED = 1;
    static final int I_REVOKED = 2;
    static final int I_EXPIRED = 3;
    static final int I_CONSUMED = 4;
    static final int I_REJECTED = 5;
    static final int I_SWITCHED = 6;
    static final int I_UNAVAILABLE = 7;
    static final int I_AVAILABLE = 8;

    private EventTopics() {
    }

    /** The event's properties, as listed above (small immutable maps: little garbage). */
    static Map<String, Object> properties(int topic, String type, String sub, String text, int count) {
        return switch (topic) {
            case I_ADDED -> sub == null ? Map.of("store.type", type) : Map.of("store.type", type, "sub", sub);
            case I_REVOKED -> sub == null ? Map.of("store.type", type, "reason", String.valueOf(text), "count", count)
                    : Map.of("store.type", type, "sub", sub, "reason", String.valueOf(text), "count", count);
            case I_EXPIRED -> Map.of("store.type", type, "reason", String.valueOf(text), "count", count);
            case I_REJECTED, I_UNAVAILABLE -> Map.of("store.type", type, "reason", text);
            case I_SWITCHED -> count > 0 ? Map.of("store.type", type, "previous.type", String.valueOf(text), "sessions.left", count)
                    : text == null ? Map.of("store.type", type) : Map.of("store.type", type, "previous.type", text);
            default -> Map.of("store.type", type);
        };
    }

    /** Event Admin's topic patterns: the topic itself, {@code *}, or a prefix ending in {@code /*}. */
    static boolean matches(String pattern, String topic) {
        return pattern.equals("*") || pattern.equals(topic)
                || pattern.endsWith("/*") && topic.startsWith(pattern.substring(0, pattern.length() - 1));
    }

    /** Which topics some pattern matches, by index. */
    static boolean[] wanted(Iterable<String> patterns) {
        boolean[] now = new boolean[TOPICS.length];
        for (String p : patterns) {
            for (int i = 0; i < TOPICS.length; i++) {
                now[i] |= matches(p, TOPICS[i]);
            }
        }
        return now;
    }
}
