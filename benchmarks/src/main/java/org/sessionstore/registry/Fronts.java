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
        front.serve(Swapper.withEncryption(backend, null), type, Duration.ofSeconds(10));
        return front;
    }
}
