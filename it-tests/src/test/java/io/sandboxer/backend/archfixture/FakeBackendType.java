package io.sandboxer.backend.archfixture;

/** Test-only stand-in for a backend class. */
public final class FakeBackendType {
}
