package org.sessionstore.registry;

/**
 * Inside a task of the {@link Swapper}: the configured backend cannot take over (or the
 * configuration is refused), so what runs stays; the caller hears the cause.
 */
final class Refused extends RuntimeException {
    private static final long serialVersionUID = 1L;
    final transient RuntimeException cause;

    Refused(RuntimeException cause) {
        super(cause.getMessage(), cause, false, false);
        this.cause = cause;
    }
}
