package org.sessionstore.registry;

import java.util.Map;

/**
 * A configuration handed to the {@link Swapper}, complete: what was written (placeholders kept),
 * the same resolved, and where it came from. The swap machinery needs nothing else and never asks
 * the component for more.
 *
 * @param kind how to treat it
 * @param written as written, placeholders ({@code $[secret:…]}) kept, framework keys dropped
 * @param resolved the same with its placeholders resolved (what the backend is built with)
 * @param source where it came from, for messages ({@code file:line: key 'k'})
 * @param migrate copy the replaced store's entries even if they do not live in the process ({@code use --migrate})
 * @param request the request a delivery answers ({@link ConfigDoor#REQUEST_KEY}), or null
 */
record Submission(Kind kind, Map<String, Object> written, Map<String, Object> resolved, ConfigSource source,
        boolean migrate, String request) {

    /** How a configuration is treated. */
    enum Kind {
        /** {@code sessionstore:use}: the type must be there now, and the new backend must answer before it is saved. */
        USE,
        /** The seed's YAML: checked and built before it is saved; a type no bundle provides yet is pending. */
        FILE,
        /** What ConfigAdmin delivered: what runs. */
        DELIVERED
    }

    Submission {
        written = Map.copyOf(RegistrySettings.written(written));
        resolved = Map.copyOf(RegistrySettings.written(resolved));
    }

    static Submission delivered(Map<String, ?> resolved, Map<String, ?> written, ConfigSource source, String request) {
        return new Submission(Kind.DELIVERED, copy(written != null ? written : resolved), copy(resolved), source, false,
                request);
    }

    private static Map<String, Object> copy(Map<String, ?> m) {
        Map<String, Object> out = new java.util.HashMap<>();
        m.forEach((k, v) -> {
            if (v != null) {
                out.put(k, v);
            }
        });
        return out;
    }

    /** Whether the type must be there now and the backend answer (use). */
    boolean immediate() {
        return kind == Kind.USE;
    }
}
