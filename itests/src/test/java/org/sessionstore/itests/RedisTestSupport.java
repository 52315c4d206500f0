package org.sessionstore.itests;

import static org.ops4j.pax.exam.CoreOptions.systemProperty;

import org.ops4j.pax.exam.Option;
import org.ops4j.pax.exam.OptionUtils;

/**
 * The shared options plus a real redis-server, started on the driver side for the test class,
 * and the location of the redis bundle this reactor built (system properties
 * {@code itest.redis.port} and {@code itest.redis.bundle}).
 */
public abstract class RedisTestSupport extends StoreTestSupport {

    @Override
    protected Option[] examOptions() {
        int port = DriverRedis.start(redisArgs());
        return OptionUtils.combine(super.examOptions(),
                systemProperty("itest.redis.port").value(Integer.toString(port)),
                systemProperty("itest.redis.bundle").value(reactorBundle("redis-bundle")));
    }

    /** More redis-server arguments (the testkit's default is an fsync after every write). */
    protected String[] redisArgs() {
        return new String[0];
    }
}
