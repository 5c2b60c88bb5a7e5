package io.sandboxer.backend.libvirt;

import io.sandboxer.core.model.SandboxState;
import java.util.Locale;
import org.libvirt.DomainInfo.DomainState;

/** A libvirt domain state in sandboxer's terms: running (or blocked on I/O) is running; stopped, paused or crashed is failed. */
final class DomainStates {
    private DomainStates() {
    }

    static SandboxState of(DomainState state) {
        return switch (state) {
            case VIR_DOMAIN_RUNNING, VIR_DOMAIN_BLOCKED -> SandboxState.RUNNING;
            case VIR_DOMAIN_NOSTATE -> SandboxState.CREATING;
            case VIR_DOMAIN_PAUSED, VIR_DOMAIN_PMSUSPENDED, VIR_DOMAIN_SHUTDOWN, VIR_DOMAIN_SHUTOFF, VIR_DOMAIN_CRASHED -> SandboxState.FAILED;
        };
    }

    /** "domain is shutoff": why a failed domain failed. */
    static String detail(DomainState state) {
        return "domain is " + state.name().substring("VIR_DOMAIN_".length()).toLowerCase(Locale.ROOT);
    }

    static boolean isRunning(DomainState state) {
        return state == DomainState.VIR_DOMAIN_RUNNING || state == DomainState.VIR_DOMAIN_BLOCKED;
    }
}
