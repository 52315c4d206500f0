package org.sessionstore.registry.shell;

import org.osgi.framework.Bundle;
import org.osgi.framework.BundleContext;
import org.osgi.service.metatype.AttributeDefinition;
import org.osgi.service.metatype.MetaTypeInformation;
import org.osgi.service.metatype.MetaTypeService;
import org.osgi.service.metatype.ObjectClassDefinition;
import org.sessionstore.api.StoreProvider;

/**
 * A backend's keys as its bundle describes them with Metatype: the object class definition with
 * id {@code sessionstore.TYPE} (the PID that holds that backend's defaults).
 */
final class BackendKeys {

    private BackendKeys() {
    }

    /** The names of the keys the backend's bundle describes; empty when it describes none or Metatype is absent. */
    static java.util.List<String> names(BundleContext context, MetaTypeService metaType, StoreProvider p) {
        ObjectClassDefinition ocd = definition(context, metaType, p);
        if (ocd == null) {
            return java.util.List.of();
        }
        java.util.List<String> names = new java.util.ArrayList<>();
        for (AttributeDefinition a : ocd.getAttributeDefinitions(ObjectClassDefinition.ALL)) {
            names.add(a.getID());
        }
        return names;
    }

    private static ObjectClassDefinition definition(BundleContext context, MetaTypeService metaType, StoreProvider p) {
        if (metaType == null || context == null) {
            return null;
        }
        Bundle bundle = context.getBundle(p.bundleId());
        MetaTypeInformation info = bundle == null ? null : metaType.getMetaTypeInformation(bundle);
        try {
            return info == null ? null : info.getObjectClassDefinition("sessionstore." + p.type(), null);
        } catch (IllegalArgumentException none) {
            return null; // the bundle describes no such PID
        }
    }

    static String describe(BundleContext context, MetaTypeService metaType, StoreProvider p) {
        String indent = "      ";
        if (metaType == null || context == null) {
            return indent + "(no Metatype service: keys unknown)" + System.lineSeparator();
        }
        ObjectClassDefinition ocd = definition(context, metaType, p);
        if (ocd == null) {
            return indent + "(the bundle describes no keys: no Metatype for sessionstore." + p.type() + ")"
                    + System.lineSeparator();
        }
        StringBuilder b = new StringBuilder();
        AttributeDefinition[] keys = ocd.getAttributeDefinitions(ObjectClassDefinition.ALL);
        // columns as wide as the longest name and default (at least 16), so long key names stay aligned
        int nameWidth = 16;
        int defaultWidth = 16;
        String[] shown = new String[keys.length];
        for (int i = 0; i < keys.length; i++) {
            String[] d = keys[i].getDefaultValue();
            shown[i] = keys[i].getType() == AttributeDefinition.PASSWORD ? "(secret)"
                    : d == null || d.length == 0 ? "(none)" : String.join(",", d);
            nameWidth = Math.max(nameWidth, keys[i].getName().length());
            defaultWidth = Math.max(defaultWidth, Math.min(shown[i].length(), 24));
        }
        for (int i = 0; i < keys.length; i++) {
            b.append(String.format("%s%-" + nameWidth + "s %-" + defaultWidth + "s %s%n", indent, keys[i].getName(),
                    shown[i], keys[i].getDescription()));
        }
        return b.toString();
    }
}
