package org.sessionstore.distribution;

import java.lang.reflect.InvocationHandler;
import java.lang.reflect.Method;
import java.lang.reflect.Proxy;
import java.util.Hashtable;

import org.osgi.framework.Bundle;
import org.osgi.framework.BundleContext;
import org.osgi.framework.ServiceRegistration;

/**
 * What the Gogo shell bundle normally registers and our console must bring itself: a Gogo
 * {@code Converter} that turns a bundle id or symbolic name typed on the command line into a
 * {@link Bundle}, so Felix's own commands that take bundles ({@code headers 2}, {@code update 2},
 * {@code stop}, {@code start}, {@code refresh}, {@code inspect}) work, and that prints a bundle
 * as {@code name [id]}. The Converter interface belongs to the Gogo runtime bundle, outside the
 * launcher's class path, so the service is a proxy defined in that bundle's class loader.
 */
final class GogoConverters implements InvocationHandler {

    static final String CONVERTER = "org.apache.felix.service.command.Converter";

    private final BundleContext context;

    private GogoConverters(BundleContext context) {
        this.context = context;
    }

    /** Registers the converter; null if the Gogo runtime has no Converter type. */
    static ServiceRegistration<?> register(BundleContext context, ClassLoader gogo) {
        Class<?> type;
        try {
            type = Class.forName(CONVERTER, false, gogo);
        } catch (ClassNotFoundException e) {
            return null;
        }
        Object converter = Proxy.newProxyInstance(gogo, new Class<?>[] {type}, new GogoConverters(context));
        Hashtable<String, Object> props = new Hashtable<>();
        props.put("osgi.converter.classes", new String[] {Bundle.class.getName()});
        return context.registerService(CONVERTER, converter, props);
    }

    @Override
    public Object invoke(Object proxy, Method method, Object[] args) {
        switch (method.getName()) {
            case "convert":
                return convert((Class<?>) args[0], args[1]);
            case "format":
                return args[0] instanceof Bundle b ? b.getSymbolicName() + " [" + b.getBundleId() + "]" : null;
            case "hashCode":
                return System.identityHashCode(proxy);
            case "equals":
                return proxy == args[0];
            case "toString":
                return "session store console converters";
            default:
                return null;
        }
    }

    /** A bundle from its id or symbolic name; null (Gogo then says the arguments are wrong) for anything else. */
    Object convert(Class<?> desired, Object in) {
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
}
