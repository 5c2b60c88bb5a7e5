package io.sandboxer.core.bootstrap;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.sandboxer.core.testing.TestResources;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class CaCertificatesTest {

    @Test
    void aFileWithOneCertificate() {
        List<CaCertificate> cas = CaCertificates.load(TestResources.path("/ca/single.pem"));
        assertEquals(1, cas.size());
        assertEquals("single.pem", cas.get(0).name());
        assertEquals(1, cas.get(0).certificateCount());
    }

    @Test
    void aDirectoryInNameOrderWithSeveralCertificatesPerFile() {
        List<CaCertificate> cas = CaCertificates.load(TestResources.path("/ca/dir"));
        assertEquals(List.of("corp-root.pem", "intermediates.pem"), cas.stream().map(CaCertificate::name).toList());
        assertEquals(2, cas.get(1).certificateCount());
    }

    @Test
    void badInputsAreErrorsNamingTheInput(@TempDir Path dir) throws IOException {
        Path notPem = TestResources.path("/ca/not-pem.pem");
        var e1 = assertThrows(IllegalArgumentException.class, () -> CaCertificates.load(notPem));
        assertTrue(e1.getMessage().contains(notPem.toString()) && e1.getMessage().contains("is not PEM"), e1.getMessage());

        Path broken = TestResources.path("/ca/broken.pem");
        var e2 = assertThrows(IllegalArgumentException.class, () -> CaCertificates.load(broken));
        assertTrue(e2.getMessage().contains(broken.toString()), e2.getMessage());

        Path missing = dir.resolve("missing.pem");
        var e3 = assertThrows(IllegalArgumentException.class, () -> CaCertificates.load(missing));
        assertTrue(e3.getMessage().contains(missing + " does not exist"), e3.getMessage());

        var e4 = assertThrows(IllegalArgumentException.class, () -> CaCertificates.load(TestResources.path("/ca/empty-dir")));
        assertTrue(e4.getMessage().contains("holds no files"), e4.getMessage());

        Path unreadable = dir.resolve("binary.pem");
        Files.write(unreadable, new byte[] {(byte) 0xff, (byte) 0xfe, 0, 1});
        var e5 = assertThrows(IllegalArgumentException.class, () -> CaCertificates.load(unreadable));
        assertTrue(e5.getMessage().contains("cannot read CA certificate file " + unreadable), e5.getMessage());
    }

    @Test
    void guestFileNamesAreSanitised() {
        assertEquals("my_ca__1_.pem", CaCertificate.parse("/x/my ca (1).crt", pem()).name());
        assertEquals("ca.hidden.pem", CaCertificate.parse(".hidden", pem()).name());
    }

    private static String pem() {
        try {
            return Files.readString(TestResources.path("/ca/single.pem"));
        } catch (IOException e) {
            throw new IllegalStateException(e);
        }
    }
}
