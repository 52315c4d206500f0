package org.sessionstore.registry;

import java.util.concurrent.CompletableFuture;

import org.sessionstore.api.Migration;
import org.sessionstore.registry.FactoryIndex.Candidate;
import org.sessionstore.registry.SwapState.Configured;

/**
 * A configuration from {@code use} or the YAML, checked and its backend built ({@link Swapper#prepare}),
 * waiting for its delivery from ConfigAdmin (the same request id) to be served.
 */
final class Prepared {
    final String request;
    final Configured configured;
    final boolean migrate;
    final Candidate candidate;
    /** The backend built for it, or null when none is needed (the running one stays, or the type is not there). */
    final BackendBuild.Built built;
    /** Completes when its delivery was applied, with what was migrated. */
    final CompletableFuture<Migration> applied = new CompletableFuture<>();

    Prepared(String request, Configured configured, boolean migrate, Candidate candidate, BackendBuild.Built built) {
        this.request = request;
        this.configured = configured;
        this.migrate = migrate;
        this.candidate = candidate;
        this.built = built;
    }
}
