package io.sandboxer.core.bootstrap;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.stream.Stream;

/**
 * Reads extra CA certificates from a PEM file or a directory of PEM files (every regular, non-hidden file,
 * in name order). Several certificates per file are fine; a file that is not PEM is an error naming it.
 */
public final class CaCertificates {
    private CaCertificates() {
    }

    public static List<CaCertificate> load(Path fileOrDirectory) {
        if (!Files.exists(fileOrDirectory)) {
            throw new IllegalArgumentException("CA certificate path " + fileOrDirectory + " does not exist");
        }
        List<Path> files = new ArrayList<>();
        if (Files.isDirectory(fileOrDirectory)) {
            try (Stream<Path> entries = Files.list(fileOrDirectory)) {
                entries.filter(Files::isRegularFile).filter(p -> !p.getFileName().toString().startsWith(".")).sorted().forEach(files::add);
            } catch (IOException e) {
                throw new IllegalArgumentException("cannot list CA certificate directory " + fileOrDirectory + ": " + e.getMessage(), e);
            }
            if (files.isEmpty()) {
                throw new IllegalArgumentException("CA certificate directory " + fileOrDirectory + " holds no files");
            }
        } else {
            files.add(fileOrDirectory);
        }
        List<CaCertificate> result = new ArrayList<>();
        for (Path file : files) {
            String pem;
            try {
                pem = Files.readString(file, StandardCharsets.US_ASCII);
            } catch (IOException e) {
                throw new IllegalArgumentException("cannot read CA certificate file " + file + ": " + e.getMessage(), e);
            }
            result.add(CaCertificate.parse(file.toString(), pem));
        }
        return List.copyOf(result);
    }
}
