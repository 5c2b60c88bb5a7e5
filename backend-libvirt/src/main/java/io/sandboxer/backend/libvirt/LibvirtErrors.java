package io.sandboxer.backend.libvirt;

import io.sandboxer.core.provider.SandboxException;
import java.util.Set;
import org.libvirt.Error;
import org.libvirt.LibvirtException;

/** Reads libvirt error codes: "not found" is not a failure for idempotent deletes; connection errors are retried. */
final class LibvirtErrors {
    private static final Set<Error.ErrorNumber> NOT_FOUND = Set.of(Error.ErrorNumber.VIR_ERR_NO_DOMAIN, Error.ErrorNumber.VIR_ERR_NO_STORAGE_VOL,
            Error.ErrorNumber.VIR_ERR_NO_STORAGE_POOL, Error.ErrorNumber.VIR_ERR_NO_NETWORK);
    private static final Set<Error.ErrorNumber> CONNECTION = Set.of(Error.ErrorNumber.VIR_ERR_INVALID_CONN, Error.ErrorNumber.VIR_ERR_NO_CONNECT,
            Error.ErrorNumber.VIR_ERR_RPC, Error.ErrorNumber.VIR_ERR_SYSTEM_ERROR, Error.ErrorNumber.VIR_ERR_AUTH_FAILED);

    private LibvirtErrors() {
    }

    static Error.ErrorNumber code(LibvirtException e) {
        return e.getError() == null ? null : e.getError().getCode();
    }

    static boolean isNotFound(LibvirtException e) {
        return NOT_FOUND.contains(code(e));
    }

    static boolean isConnectionLost(LibvirtException e) {
        return CONNECTION.contains(code(e));
    }

    static boolean isNotRunning(LibvirtException e) {
        return code(e) == Error.ErrorNumber.VIR_ERR_OPERATION_INVALID;
    }

    static String message(LibvirtException e) {
        return e.getError() != null && e.getError().getMessage() != null ? e.getError().getMessage() : String.valueOf(e.getMessage());
    }

    static SandboxException wrap(String action, LibvirtException e) {
        return new SandboxException(action + ": " + message(e), isConnectionLost(e), e);
    }
}
