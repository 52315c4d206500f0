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

    static String describe(BundleContext context, MetaTypeService metaType, StoreProvider p) {
        String indent = "      ";
        if (metaType == null || context == null) {
            return indent + "(no Metatype service: keys unknown)" + System.lineSeparator();
        }
        Bundle bundle = context.getBundle(p.bundleId());
        MetaTypeInformation info = bundle == null ? null : metaType.getMetaTypeInformation(bundle);
        ObjectClassDefinition ocd = null;
        try {
            ocd = info == null ? null : info.getObjectClassDefinition("sessionstore." + p.type(), null);
        } catch (IllegalArgumentException none) {
            // the bundle describes no such PID
        }
        if (ocd == null) {
            return indent + "(the bundle describes no keys: no Metatype for sessionstore." + p.type() + ")"
                    + System.lineSeparator();
        }
        StringBuilder b = new StringBuilder();
        for (AttributeDefinition a : ocd.getAttributeDefinitions(ObjectClassDefinition.ALL)) {
            String[] d = a.getDefaultValue();
            String shown = a.getType() == AttributeDefinition.PASSWORD ? "(secret)"
                    : d == null || d.length == 0 ? "(none)" : String.join(",", d);
            b.append(String.format("%s%-16s %-16s %s%n", indent, a.getName(), shown, a.getDescription()));
        }
        return b.toString();
    }
}
