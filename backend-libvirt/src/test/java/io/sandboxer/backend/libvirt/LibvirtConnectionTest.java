package io.sandboxer.backend.libvirt;

import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.sandboxer.core.provider.SandboxException;
import org.junit.jupiter.api.Test;

/** Real libvirt (the client library) failing to connect: the error names the URI, never its password. */
class LibvirtConnectionTest {
    @Test
    void aFailedConnectionNamesTheUriWithoutItsPassword() {
        SandboxException e = assertThrows(SandboxException.class, () -> new LibvirtConnection("test+tcp://ops:s3cretpw@127.0.0.1:1/default"));
        assertTrue(e.getMessage().contains("test+tcp://ops:<redacted>@127.0.0.1:1/default"), e.getMessage());
        assertFalse(e.getMessage().contains("s3cretpw"), e.getMessage());
    }
}
