package org.sessionstore.testkit;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.CyclicBarrier;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.function.Consumer;
import java.util.stream.Stream;

import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.sessionstore.api.Ids;
import org.sessionstore.api.Session;
import org.sessionstore.api.SessionStore;
import org.sessionstore.api.StateEntry;
import org.sessionstore.api.StoreUnavailableException;
import org.sessionstore.api.TransferableStore;

/**
 * The conformance suite of {@link SessionStore}: every backend, ours or a third party's, extends
 * this class and supplies a fresh store driven by a {@link MutableClock}.
 *
 * <pre>
 * class MyStoreConformanceTest extends SessionStoreContract {
 *     protected SessionStore newStore(MutableClock clock) {
 *         return new MyStore(config, clock);
 *     }
 * }
 * </pre>
 *
 * <p>Each test gets a new empty store and closes it afterwards. A backend shared by several
 * nodes (such as Redis) overrides {@link #newPeerStore} so that the one-time race runs across two
 * store instances, as two proxy nodes would.
 *
 * <p><b>A contract per capability.</b> The suite runs every test of the API level the store
 * implements ({@link #apiLevel()}, detected from the methods it overrides) and, for a capability
 * a later API added, asserts the documented default instead: a backend written for API 1.1 passes
 * the newest testkit unchanged. The rule for every future addition: a new method comes with a
 * default that refuses in one line naming the API level ({@code … written before API 1.N}) or
 * keeps the old behaviour, and its tests here check the capability at level N and that default
 * below it. The parts: {@link SessionsContract}, {@link StatesContract}, {@link CapabilitiesContract}.
 */
public abstract class SessionStoreContract extends SubjectsContract {
}
