package io.sandboxer.core.lifecycle;

import io.sandboxer.core.model.ConnectInfo;
import io.sandboxer.core.model.SandboxState;
import io.sandboxer.core.provider.SandboxException;
import io.sandboxer.core.provider.SandboxNotFoundException;
import io.sandboxer.core.provider.SandboxProvider;

/** The backend knows an address for the sandbox. A sandbox that is gone or failed ends the wait at once. */
public final class AddressAssigned implements WaitStrategy {

    @Override
    public String describe(ConnectInfo known) {
        return "an IP address";
    }

    @Override
    public ConnectInfo check(SandboxProvider provider, String id, ConnectInfo known) {
        try {
            return provider.connectInfo(id);
        } catch (SandboxNotFoundException e) {
            throw e;
        } catch (SandboxException e) {
            if (!e.isRetryable()) {
                throw e;
            }
            var sandbox = provider.get(id).orElseThrow(() -> new SandboxNotFoundException(id));
            if (sandbox.state() == SandboxState.FAILED) {
                throw new SandboxException("sandbox " + id + " failed while waiting for its address: " + sandbox.detail(), false);
            }
            throw new NotReadyException(e.getMessage(), e);
        }
    }
}
