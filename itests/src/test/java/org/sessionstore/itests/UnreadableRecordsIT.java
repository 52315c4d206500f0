package org.sessionstore.itests;

import static org.junit.Assert.assertEquals;
import static org.junit.Assert.assertFalse;
import static org.junit.Assert.assertTrue;
import static org.ops4j.pax.exam.CoreOptions.bundle;
import static org.ops4j.pax.exam.CoreOptions.systemProperty;

import java.sql.Connection;
import java.sql.Statement;
import java.time.Duration;
import java.time.Instant;
import java.util.Base64;
import java.util.Map;
import java.util.Properties;

import javax.sql.DataSource;

import org.junit.After;
import org.junit.Test;
import org.junit.runner.RunWith;
import org.ops4j.pax.exam.Option;
import org.ops4j.pax.exam.OptionUtils;
import org.ops4j.pax.exam.junit.PaxExam;
import org.ops4j.pax.exam.spi.reactors.ExamReactorStrategy;
import org.ops4j.pax.exam.spi.reactors.PerClass;
import org.osgi.framework.ServiceReference;
import org.osgi.service.jdbc.DataSourceFactory;
import org.sessionstore.api.Migration;
import org.sessionstore.api.Session;
import org.sessionstore.api.crypto.TokenKeys;

/**
 * Records that cannot be read are one record's problem: planted into a real Redis and a real
 * PostgreSQL beside good ones, each is treated as absent by a read and counted, and a migration
 * into memory copies every good entry, skips the bad ones and says how many.
 */
@RunWith(PaxExam.class)
@ExamReactorStrategy(PerClass.class)
public class UnreadableRecordsIT extends RedisTestSupport {

    private static final String KEY = Base64.getEncoder().encodeToString(new byte[32]);

    @Override
    protected Option[] examOptions() {
        return OptionUtils.combine(super.examOptions(),
                bundle(reactorBundle("redis-bundle")),
                bundle(containerBundle("org.osgi.service.jdbc")),
                bundle(containerBundle("postgresql")),
                bundle(reactorBundle("jdbc-bundle")),
                systemProperty("sessionstore.pg.url").value(System.getProperty("sessionstore.pg.url",
                        "jdbc:postgresql://127.0.0.1:5432/test")),
                systemProperty("sessionstore.pg.user").value(System.getProperty("sessionstore.pg.user", "postgres")),
                systemProperty("sessionstore.pg.password").value(System.getProperty("sessionstore.pg.password", "")));
    }

    @After
    public void backToMemory() throws Exception {
        configure("memory", "swap_timeout", "5s");
    }

    private static Session good(String id) {
        Instant now = Instant.now();
        return new Session(id, "alice", "alice", now, now.plusSeconds(3600), "access-" + id, "id-" + id, null);
    }

    @Test
    public void unreadableRedisRecordsAreAbsentCountedAndSkippedByAMigration() throws Exception {
        int port = Integer.getInteger("itest.redis.port");
        Resp.command(port, "FLUSHALL");
        await("redis listed", Duration.ofSeconds(10), () -> typeAvailable("redis"));
        java.util.Hashtable<String, Object> props = new java.util.Hashtable<>();
        props.put("type", "redis");
        props.put("addr", "127.0.0.1:" + port);
        props.put("swap_timeout", "5s");
        props.put("encryption_key", KEY); // shown by its key id in the status, so not waited for through configure()
        configAdmin.getConfiguration(org.sessionstore.api.StoreRegistry.PID, "?").update(props);
        await("redis with a key active", Duration.ofSeconds(10), () -> registry.status().type().equals("redis")
                && registry.status().state() == org.sessionstore.api.StoreStatus.State.ACTIVE
                && String.valueOf(registry.status().settings().get("encryption")).startsWith("AES-256-GCM"));
        for (int i = 0; i < 5; i++) {
            store.addSession(good("good-" + i));
        }
        long readable = store.getSessionCount(); // the 5, and what an earlier test left in memory (migrated in)
        long fut = Instant.now().plusSeconds(3600).toEpochMilli();
        String keyId = TokenKeys.of(KEY, null).currentId();
        // a ciphertext of 12 to 27 bytes once escaped as ShortBufferException, naming no record
        String shortCipher = "enc1:" + keyId + ":" + Base64.getEncoder().withoutPadding().encodeToString(new byte[20]);
        Resp.command(port, String.join("\r\n",
                "HSET session:bad-short v 1 username u sub u expires_at " + fut + " access_token " + shortCipher,
                "ZADD session: " + fut + " bad-short",
                // a token in clear while encryption is on: planted, never returned as if it had been sealed
                "HSET session:bad-clear v 1 username u sub u expires_at " + fut + " access_token planted-clear-token",
                "ZADD session: " + fut + " bad-clear",
                // a value of another type under a session's key
                "SET session:bad-type not-a-hash",
                "ZADD session: " + fut + " bad-type",
                // an id with a control character, planted in the index and as a key
                "HSET \"session:bad\\x01ctl\" v 1 username u expires_at " + fut,
                "ZADD session: " + fut + " \"bad\\x01ctl\"",
                // a state that is not JSON
                "SET state:bad-json \"{not json\"",
                "ZADD state: " + Instant.now().toEpochMilli() + " bad-json"));
        long before = store.unreadableRecords();
        assertFalse(store.getSession("bad-short").isPresent());
        assertFalse(store.getSession("bad-clear").isPresent());
        assertFalse(store.getField("bad-clear", "access_token").isPresent());
        assertFalse(store.getSession("bad-type").isPresent());
        assertTrue(store.getSession("good-3").isPresent());
        assertEquals("access-good-3", store.getSession("good-3").get().accessToken());
        assertTrue("each unreadable read is counted", store.unreadableRecords() >= before + 4);

        Migration m = registry.switchTo(Map.of("type", "memory", "swap_timeout", "5s"), true);
        assertEquals(readable, m.sessions());
        assertEquals("bad-short, bad-clear, bad-type, bad\\x01ctl and the bad state", 5, m.skipped());
        for (int i = 0; i < 5; i++) {
            assertEquals("access-good-" + i, store.getSession("good-" + i).get().accessToken());
        }
        assertEquals(readable, store.getSessionCount());
    }

    /** The documented path for values stored before encryption: migrate them as the key is set. */
    @Test
    public void clearValuesAreMigratedSealedWhenTheKeyIsSetWithMigrate() throws Exception {
        int port = Integer.getInteger("itest.redis.port");
        Resp.command(port, "FLUSHALL");
        await("redis listed", Duration.ofSeconds(10), () -> typeAvailable("redis"));
        configure("redis", "addr", "127.0.0.1:" + port, "swap_timeout", "5s");
        for (int i = 0; i < 3; i++) {
            store.addSession(good("clear-" + i));
        }
        assertTrue(Resp.command(port, "HGET session:clear-1 access_token").contains("access-clear-1"));
        Migration m = registry.switchTo(Map.of("type", "redis", "addr", "127.0.0.1:" + port, "swap_timeout", "5s",
                "encryption_key", KEY), true);
        assertTrue(m.sessions() >= 3);
        assertEquals(0, m.skipped());
        for (int i = 0; i < 3; i++) {
            assertEquals("access-clear-" + i, store.getSession("clear-" + i).get().accessToken());
        }
        String raw = Resp.command(port, "HGET session:clear-1 access_token");
        assertFalse(raw, raw.contains("access-clear-1"));
        assertTrue(raw, raw.contains("enc1:"));
    }

    @Test
    public void unreadableRowsAreAbsentCountedAndSkippedByAMigration() throws Exception {
        await("jdbc listed", Duration.ofSeconds(20), () -> typeAvailable("jdbc"));
        String url = System.getProperty("sessionstore.pg.url");
        configure("jdbc", "url", url, "user", System.getProperty("sessionstore.pg.user"), "table_prefix", "unreadable_",
                "swap_timeout", "5s");
        assertEquals(String.valueOf(registry.status()), org.sessionstore.api.StoreStatus.State.ACTIVE,
                registry.status().state());
        ServiceReference<DataSourceFactory> ref = context.getServiceReferences(DataSourceFactory.class,
                "(" + DataSourceFactory.OSGI_JDBC_DRIVER_CLASS + "=org.postgresql.Driver)").iterator().next();
        Properties p = new Properties();
        p.setProperty(DataSourceFactory.JDBC_URL, url);
        p.setProperty(DataSourceFactory.JDBC_USER, System.getProperty("sessionstore.pg.user"));
        if (!System.getProperty("sessionstore.pg.password").isEmpty()) {
            p.setProperty(DataSourceFactory.JDBC_PASSWORD, System.getProperty("sessionstore.pg.password"));
        }
        DataSource ds = context.getService(ref).createDataSource(p);
        try (Connection c = ds.getConnection(); Statement s = c.createStatement()) {
            s.execute("DELETE FROM unreadable_sessions");
            s.execute("DELETE FROM unreadable_states");
            for (int i = 0; i < 4; i++) {
                store.addSession(good("row-" + i));
            }
            long now = System.currentTimeMillis();
            long fut = now + 3_600_000;
            // an id holding U+0001 once stopped a whole migration
            s.execute("INSERT INTO unreadable_sessions (id, username, sub, expires_at, keep_until) VALUES ('bad' || chr(1)"
                    + " || 'row', 'u', 'u', " + fut + ", " + fut + ")");
            // ended long ago, kept until later: once returned by get as a session that expired in 1970
            s.execute("INSERT INTO unreadable_sessions (id, username, sub, expires_at, keep_until) VALUES ('contra', 'u',"
                    + " 'u', 1000, " + fut + ")");
            s.execute("INSERT INTO unreadable_states (state, created_at, user_agent) VALUES ('st' || chr(2), " + now
                    + ", 'ua')");
            try {
                assertFalse(store.getSession("contra").isPresent());
                assertFalse(store.sessionExists("contra"));
                assertTrue(store.unreadableRecords() >= 1);

                Migration m = registry.switchTo(Map.of("type", "memory", "swap_timeout", "5s"), true);
                assertEquals(4, m.sessions());
                assertEquals("the U+0001 row, the contradictory row and the bad state", 3, m.skipped());
                assertTrue(store.getSession("row-2").isPresent());
                assertFalse(store.getSession("contra").isPresent());
            } finally {
                s.execute("DROP TABLE IF EXISTS unreadable_sessions, unreadable_states, unreadable_schema_version");
            }
        }
    }
}
