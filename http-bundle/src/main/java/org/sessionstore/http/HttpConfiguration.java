package org.sessionstore.http;

import org.osgi.service.metatype.annotations.AttributeDefinition;
import org.osgi.service.metatype.annotations.AttributeType;
import org.osgi.service.metatype.annotations.ObjectClassDefinition;

/** The HTTP side's settings, PID {@value MetricsServlet#PID} ({@code etc/org.sessionstore.http.cfg}). */
@ObjectClassDefinition(name = "Session Store HTTP", description = "What the session store answers over HTTP: /metrics.")
@interface HttpConfiguration {

    @AttributeDefinition(name = "Metrics token", type = AttributeType.PASSWORD, required = false,
            description = "A bearer token /metrics requires (Authorization: Bearer ...), from any address; give it by"
                    + " reference, $[secret:metrics_token]. Without one, /metrics answers loopback clients only.")
    String metrics__token() default "";
}
