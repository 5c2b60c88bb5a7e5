package io.sandboxer.adapter.customexecutor;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.Arrays;
import java.util.List;
import org.junit.jupiter.api.Test;

class ImageAllowListTest {
    @Test
    void configuredImagesAndGlobsAreAllowedNothingElse() {
        var list = new ImageAllowList(Arrays.asList("debian-12.qcow2", null, ""), List.of("quay.io/containerdisks/*", "ci-?.qcow2"));
        assertTrue(list.allows("debian-12.qcow2"));
        assertTrue(list.allows("quay.io/containerdisks/fedora:41"));
        assertTrue(list.allows("ci-a.qcow2"));
        assertFalse(list.allows("ci-ab.qcow2"), "? is one character");
        assertFalse(list.allows("quay.io/containerdisks.evil/x"), "dots are literal");
        assertFalse(list.allows("sandboxer-j1-0123456789ab.qcow2"));
        assertFalse(list.allows(""));
    }

    @Test
    void aRefusalNamesTheVariableTheValueAndWhatIsAllowed() {
        var e = assertThrows(StageException.class, () -> new ImageAllowList(List.of("base.qcow2"), List.of("ci-*")).check("x", "CUSTOM_ENV_CI_JOB_IMAGE"));
        assertEquals("CUSTOM_ENV_CI_JOB_IMAGE \"x\" is not allowed: the runner allows base.qcow2, pattern ci-* "
                + "(an operator adds more with prepare --allowed-image PATTERN)", e.getMessage());
        var none = assertThrows(StageException.class, () -> new ImageAllowList(List.of(), List.of()).check("x", "V"));
        assertTrue(none.getMessage().contains("allows no job-chosen image"), none.getMessage());
    }
}
