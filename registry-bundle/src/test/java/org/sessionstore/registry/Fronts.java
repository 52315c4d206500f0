package org.sessionstore.registry;

import java.time.Duration;

import org.sessionstore.api.SessionStore;

/**
 * What a consumer of the published {@code SessionStore} service calls, for the benchmarks: the
 * registry's front serving {@code backend} as the registry serves it with no encryption key
 * configured (a default configuration): the memory store bare, any other behind the layer that
 * refuses to hand out a stored ciphertext as a token.
 */
public final class Fronts {

    private Fronts() {
    }

    /** The published store as the registry builds it around {@code backend}. */
    public static SessionStore published(SessionStore backend, String type) {
        StoreFront front = new StoreFront();
        front.serve(BackendBuild.withEncryption(backend, null), type, Duration.ofSeconds(10));
        return front;
    }

    /**
     * The same, with every event wanted, as if a handler subscribed to {@code org/sessionstore/*}:
     * the calls hand their events over and the publishing thread builds each event's properties
     * and gives them to {@code deliver} (in place of Event Admin).
     */
    public static SessionStore publishedAndHeard(SessionStore backend, String type,
            java.util.function.BiConsumer<String, java.util.Map<String, Object>> deliver) {
        StoreFront front = new StoreFront();
        front.events.postTo(deliver::accept, "org/sessionstore/*");
        front.serve(BackendBuild.withEncryption(backend, null), type, Duration.ofSeconds(10));
        return front;
    }

    /**
     * The published store with its metrics, as the registry publishes it since issue 20: the
     * metered store over the front serving {@code backend}.
     */
    public static SessionStore publishedAndMetered(SessionStore backend, String type) {
        StoreFront front = new StoreFront();
        front.serve(BackendBuild.withEncryption(backend, null), type, Duration.ofSeconds(10));
        return new org.sessionstore.registry.metrics.MeteredStore(front, front.events.metrics);
    }
}
