package org.sessionstore.console;

import org.apache.felix.service.command.Converter;
import org.osgi.framework.Bundle;
import org.osgi.framework.BundleContext;

/**
 * What the Gogo shell bundle normally registers and our console brings itself: turns a bundle id
 * or symbolic name typed on the command line into a {@link Bundle}, so Felix's own commands that
 * take bundles ({@code headers 2}, {@code update 2}, {@code stop}, {@code uninstall}, {@code refresh},
 * {@code inspect}) work ({@code start} takes ids or URLs itself, not names), and prints a bundle as {@code name [id]}. Registered with
 * {@code osgi.converter.classes=org.osgi.framework.Bundle}.
 */
final class BundleConverter implements Converter {

    private final BundleContext context;

    BundleConverter(BundleContext context) {
        this.context = context;
    }

    /** A bundle from its id or symbolic name; null (Gogo then says the arguments are wrong) for anything else. */
    @Override
    public Object convert(Class<?> desired, Object in) {
        if (desired != Bundle.class || in == null) {
            return null;
        }
        String text = in.toString().trim();
        if (text.matches("\\d{1,18}")) {
            return context.getBundle(Long.parseLong(text));
        }
        for (Bundle b : context.getBundles()) {
            if (text.equals(b.getSymbolicName())) {
                return b;
            }
        }
        return null;
    }

    @Override
    public CharSequence format(Object target, int level, Converter escape) {
        return target instanceof Bundle b ? b.getSymbolicName() + " [" + b.getBundleId() + "]" : null;
    }
}
