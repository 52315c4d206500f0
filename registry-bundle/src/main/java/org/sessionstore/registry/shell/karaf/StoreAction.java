package org.sessionstore.registry.shell.karaf;

import org.apache.karaf.shell.api.action.Action;
import org.apache.karaf.shell.api.action.lifecycle.Reference;
import org.sessionstore.registry.shell.StoreCommands;

/**
 * A {@code sessionstore:} command as a Karaf action: Karaf builds its help, its {@code --help} and
 * its completion from the annotations, and never runs it to show them.
 *
 * <p>The action prints what the command answers to the session's output and returns nothing, as
 * Karaf's own commands do: Karaf's SSH exec mode ({@code ssh -p 8101 karaf@host sessionstore:count})
 * drops a command's return value, so a returned result would reach nobody there. A failure is
 * thrown, which Karaf prints as an error and SSH exec turns into exit status 1 ({@code health}
 * when CRITICAL, a refused {@code use}).
 */
abstract class StoreAction implements Action {

    @Reference
    StoreCommands commands;

    @Override
    public final Object execute() throws Exception {
        Object out = run();
        if (out != null) {
            System.out.println(out);
        }
        return null;
    }

    /** Runs the command; what it answers (printed), or null. */
    abstract Object run() throws Exception;
}
