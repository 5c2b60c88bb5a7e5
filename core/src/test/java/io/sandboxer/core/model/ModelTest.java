package io.sandboxer.core.model;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.sandboxer.core.bootstrap.OsFamily;
import io.sandboxer.core.credentials.Secret;
import java.math.BigDecimal;
import org.junit.jupiter.api.Test;

class ModelTest {
    @Test
    void quantitiesInKubernetesNotation() {
        assertEquals(new BigDecimal("0.500"), Quantity.parse("500m").amount());
        assertEquals(1, Quantity.parse("500m").wholeCoresRoundedUp());
        assertEquals(2, Quantity.parse("1.5").wholeCoresRoundedUp());
        assertEquals(4096, Quantity.parse("4Gi").mebibytesRoundedUp());
        assertEquals(954, Quantity.parse("1G").mebibytesRoundedUp());
        assertEquals(20, Quantity.parse("20Gi").gibibytesRoundedUp());
        assertTrue(Quantity.parse("1Gi").compareTo(Quantity.parse("1G")) > 0);
        for (String bad : new String[] {"", "lots", "-1", "1gi", "1 Gi", "Gi"}) {
            assertThrows(IllegalArgumentException.class, () -> Quantity.parse(bad), bad);
        }
    }

    @Test
    void requestMayNotExceedLimit() {
        var e = assertThrows(IllegalArgumentException.class, () -> new ResourceRequirement(Quantity.parse("2"), Quantity.parse("1")));
        assertTrue(e.getMessage().contains("request 2 is larger than limit 1"), e.getMessage());
        assertEquals("4Gi", new ResourceRequirement(Quantity.parse("1Gi"), Quantity.parse("4Gi")).effective().text());
    }

    @Test
    void architectureSpellings() {
        assertEquals(Architecture.AMD64, Architecture.parse("x86_64"));
        assertEquals(Architecture.ARM64, Architecture.parse("AArch64"));
        assertEquals("aarch64", Architecture.ARM64.libvirtName());
        assertThrows(IllegalArgumentException.class, () -> Architecture.parse("riscv"));
    }

    @Test
    void sandboxNamesAreDnsLabels() {
        assertTrue(SandboxSpec.isValidName("gitlab-runner-20261122-100000-20261122-100000-abcdef"));
        for (String bad : new String[] {"", "UPPER", "a_b", "-a", "a-", "a".repeat(64), "a/b", "a b", "ä"}) {
            assertThrows(IllegalArgumentException.class, () -> SandboxSpec.builder(bad).build(), bad);
        }
    }

    @Test
    void secretsDoNotPrint() {
        Secret secret = Secret.of("hunter2");
        assertEquals("******", secret.toString());
        var credential = new Credential.Password(secret);
        assertTrue(!credential.toString().contains("hunter2"), credential.toString());
        var info = new ConnectInfo("id", OsFamily.LINUX, Architecture.AMD64, ConnectProtocol.SSH, "10.0.0.2", null, 22, "core", credential, null);
        assertTrue(!info.toString().contains("hunter2"), info.toString());
    }
}
