package io.sandboxer.core.credentials;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import org.junit.jupiter.api.Test;

class UriPasswordsTest {
    @Test
    void thePasswordGoesTheRestStays() {
        assertEquals("qemu+ssh://root:<redacted>@hv1/system", UriPasswords.redact("qemu+ssh://root:s3cr:et@hv1/system"));
        assertEquals("https://u:<redacted>@api:6443/x?y=1", UriPasswords.redact("https://u:p@api:6443/x?y=1"));
        assertTrue(UriPasswords.carriesPassword("qemu+ssh://root:pw@hv1/system"));
    }

    @Test
    void uriWithoutAPasswordIsUnchanged() {
        for (String uri : new String[] {"qemu:///system", "qemu+ssh://root@hv1/system", "test:///default", "https://api:6443", "not a uri", ""}) {
            assertEquals(uri, UriPasswords.redact(uri));
            assertFalse(UriPasswords.carriesPassword(uri), uri);
        }
        assertNull(UriPasswords.redact(null));
    }
}
