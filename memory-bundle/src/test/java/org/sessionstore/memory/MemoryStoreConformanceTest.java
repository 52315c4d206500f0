package org.sessionstore.memory;

import org.sessionstore.api.SessionStore;
import org.sessionstore.testkit.MutableClock;
import org.sessionstore.testkit.SessionStoreContract;

/** The memory store passes the conformance suite every backend runs. */
class MemoryStoreConformanceTest extends SessionStoreContract {

    @Override
    protected SessionStore newStore(MutableClock clock) {
        return new MemorySessionStore(MemoryConfig.defaults(), clock);
    }
}
