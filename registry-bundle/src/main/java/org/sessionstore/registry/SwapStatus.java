package org.sessionstore.registry;

import java.time.Duration;
import java.util.List;
import java.util.Map;

import org.sessionstore.api.StoreStatus;
import org.sessionstore.api.StoreStatus.State;
import org.sessionstore.api.config.Durations;
import org.sessionstore.registry.SwapState.Failure;

/** The status others read: a pure function of the {@link SwapState} (and of what is being built). */
final class SwapStatus {

    private SwapStatus() {
    }

    /**
     * @param s the state
     * @param typeThere whether a bundle provides the configured type now (null: unknown)
     * @param types the types available, for messages
     * @param retryAfter how often a failed take-over is tried again
     */
    static StoreStatus of(SwapState s, Boolean typeThere, List<String> types, Duration retryAfter) {
        Failure f = s.failure;
        if (s.desired == null) {
            boolean failed = f != null && f.kind() == Failure.Kind.CANNOT_SERVE;
            return new StoreStatus(failed && f.type() != null ? f.type() : "memory", failed ? State.FAILED : State.WAITING,
                    Map.of(), null, failed ? f.message() : f != null ? "not configured yet; last configuration refused: "
                            + f.message() : "not configured yet", null);
        }
        String type = s.desired.settings().type();
        State state;
        String detail;
        if (s.serving == null && f != null && f.kind() == Failure.Kind.CANNOT_SERVE) {
            state = State.FAILED;
            detail = f.message();
        } else if (s.serving == null) {
            state = State.WAITING;
            detail = "no bundle provides type '" + type + "' now; calls wait for one (store.type=" + type + ")"
                    + (s.kept != null ? "; the entries of the withdrawn " + s.kept.type() + " store are kept for it" : "");
        } else if (!s.serving.type().equals(type)) {
            state = State.PENDING;
            detail = Boolean.TRUE.equals(typeThere)
                    ? "configured type '" + type + "' could not take over" + (f != null && f.kind() == Failure.Kind.TAKE_OVER
                            ? ": " + f.message() : "") + "; tried again every " + Durations.format(retryAfter) + "; the "
                            + s.serving.type() + " store keeps serving"
                    : "configured type '" + type + "' is pending: no bundle provides store.type=" + type + " (available: "
                            + String.join(", ", types) + "); the " + s.serving.type() + " store keeps serving until one"
                            + " arrives, then its entries are migrated";
        } else {
            state = State.ACTIVE;
            detail = null;
        }
        if (s.migrating != null) {
            // nothing serves while entries move: calls wait for the new store
            state = State.WAITING;
            detail = s.migrating;
        }
        if (f != null && f.kind() == Failure.Kind.REFUSED) {
            detail = (detail == null ? "" : detail + "; ") + "last configuration refused: " + f.message();
        }
        return new StoreStatus(type, state, s.desired.settings().shown(), s.serving == null ? null
                : FactoryIndex.provider(s.serving.candidate(), 1), detail, s.desired.source().name());
    }

    /**
     * The status with what is being built now: what serves keeps serving, and is shown; with
     * nothing serving, the type being built is the one waited for.
     */
    static StoreStatus withBuild(StoreStatus s, BackendBuild.InProgress b) {
        if (b == null) {
            return s;
        }
        if (s.provider() == null) {
            return new StoreStatus(b.type(), State.WAITING, s.settings(), null, b.describe(), s.source());
        }
        return new StoreStatus(s.type(), s.state(), s.settings(), s.provider(), s.detail() == null ? b.describe()
                : b.describe() + "; " + s.detail(), s.source());
    }
}
