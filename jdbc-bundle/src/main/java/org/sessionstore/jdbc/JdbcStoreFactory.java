package org.sessionstore.jdbc;

import java.sql.SQLException;
import java.time.Clock;
import java.util.Map;
import java.util.Properties;

import javax.sql.DataSource;

import org.osgi.service.component.annotations.Activate;
import org.osgi.service.component.annotations.Component;
import org.osgi.service.component.annotations.ConfigurationPolicy;
import org.osgi.service.component.annotations.Reference;
import org.osgi.service.jdbc.DataSourceFactory;
import org.osgi.service.metatype.annotations.Designate;
import org.sessionstore.api.SessionStore;
import org.sessionstore.api.StoreFactory;
import org.sessionstore.api.StoreType;
import org.sessionstore.api.StoreUnavailableException;

/**
 * Publishes the {@code jdbc} backend once a PostgreSQL driver bundle publishes its
 * {@link DataSourceFactory} ({@code osgi.jdbc.driver.class=org.postgresql.Driver}): without the
 * driver the type is not available, and a configuration that names it waits for it, as for any
 * backend not installed yet. The driver is its own bundle, replaceable on its own: replacing it
 * withdraws and publishes this factory again, and the registry rebuilds the store.
 */
@Component(configurationPid = "sessionstore.jdbc", configurationPolicy = ConfigurationPolicy.IGNORE)
@Designate(ocd = JdbcStoreConfiguration.class)
@StoreType("jdbc")
public class JdbcStoreFactory implements StoreFactory {

    /** The driver this backend speaks to (its SQL is PostgreSQL's). */
    static final String DRIVER = "org.postgresql.Driver";

    private final DataSourceFactory driver;

    @Activate
    public JdbcStoreFactory(@Reference(target = "(" + DataSourceFactory.OSGI_JDBC_DRIVER_CLASS + "=" + DRIVER + ")")
            DataSourceFactory driver) {
        this.driver = driver;
    }

    @Override
    public SessionStore create(Map<String, ?> config) {
        JdbcConfig c = JdbcConfig.from(config);
        return new JdbcSessionStore(c, dataSource(driver, c), Clock.systemUTC());
    }

    /**
     * A data source of the driver for the configuration: the URL, the user and password, and the
     * driver's own timeouts (seconds) so that a connect or a read on a dead network ends too (the
     * statements themselves are bounded by the server's statement_timeout).
     */
    static DataSource dataSource(DataSourceFactory driver, JdbcConfig c) {
        Properties p = new Properties();
        p.setProperty(DataSourceFactory.JDBC_URL, c.url());
        if (c.user() != null) {
            p.setProperty(DataSourceFactory.JDBC_USER, c.user());
        }
        if (c.password() != null) {
            p.setProperty(DataSourceFactory.JDBC_PASSWORD, c.password());
        }
        long seconds = Math.max(1, (c.timeout().toMillis() + 999) / 1000);
        p.setProperty("connectTimeout", Long.toString(seconds));
        p.setProperty("loginTimeout", Long.toString(seconds));
        p.setProperty("socketTimeout", Long.toString(seconds + 1));
        p.setProperty("ApplicationName", "sessionstore");
        try {
            return driver.createDataSource(p);
        } catch (SQLException e) {
            throw new StoreUnavailableException("the PostgreSQL driver refused the jdbc store's settings for "
                    + c.where() + ": " + e.getMessage());
        }
    }
}
