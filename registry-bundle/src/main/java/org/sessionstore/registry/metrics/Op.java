package org.sessionstore.registry.metrics;

/** The metered operations of the store, by their label in the metrics ({@code op="get"}). */
public enum Op {
    ADD("add"), GET("get"), DELETE("delete"), REVOKE("revoke"), REVOKE_SID("revoke_sid"), SESSIONS("sessions"),
    SUBJECTS("subjects"), CLEAN("clean"), GET_FIELD("get_field"), COUNT("count"), EXISTS("exists"),
    ADD_STATE("add_state"), VALIDATE_STATE("validate_state"), CLEAN_STATES("clean_states");

    static final Op[] ALL = values();

    final String label;

    Op(String label) {
        this.label = label;
    }
}
