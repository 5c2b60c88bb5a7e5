package io.sandboxer.core.archfixture;

import io.sandboxer.backend.archfixture.FakeBackendType;

/** Test-only offender: a "core" class that uses a "backend" class. The architecture rule must reject it. */
public final class CoreClassThatImportsABackend {
    public FakeBackendType backend() {
        return new FakeBackendType();
    }
}
