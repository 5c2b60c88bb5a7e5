import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.nio.file.DirectoryStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.util.Enumeration;
import java.util.regex.Pattern;
import java.util.zip.ZipEntry;
import java.util.zip.ZipFile;
import java.util.zip.ZipOutputStream;

/**
 * Removes the JAR signatures of the libraries in a launcher's lib/ directory (the build runs it, as a source-file
 * program, before the AOT cache is made): java UnsignJars.java LIBDIR
 *
 * Why: the JVM verifies a signed JAR's every class at every start and never puts its classes in a CDS/AOT cache.
 * The only signed libraries here are BouncyCastle's (used for the plugin's AutoMTLS certificate and by sshj); on
 * OpenJDK builds a security provider needs no signature, so the signature buys nothing and costs each start
 * ~500 classes loaded and verified from the jar. Everything but META-INF's signature files is copied unchanged.
 */
public class UnsignJars {
    private static final Pattern SIGNATURE = Pattern.compile("META-INF/[^/]+\\.(SF|RSA|DSA|EC)", Pattern.CASE_INSENSITIVE);

    public static void main(String[] args) throws IOException {
        if (args.length != 1) {
            System.err.println("usage: java UnsignJars.java LIBDIR");
            System.exit(2);
        }
        try (DirectoryStream<Path> jars = Files.newDirectoryStream(Path.of(args[0]), "*.jar")) {
            for (Path jar : jars) {
                if (unsign(jar)) {
                    System.out.println("UnsignJars: removed the signature of " + jar.getFileName());
                }
            }
        }
    }

    private static boolean unsign(Path jar) throws IOException {
        try (ZipFile zip = new ZipFile(jar.toFile())) {
            if (zip.stream().noneMatch(e -> SIGNATURE.matcher(e.getName()).matches())) {
                return false;
            }
            Path copy = jar.resolveSibling(jar.getFileName() + ".unsigned");
            try (ZipOutputStream out = new ZipOutputStream(Files.newOutputStream(copy))) {
                for (Enumeration<? extends ZipEntry> entries = zip.entries(); entries.hasMoreElements(); ) {
                    ZipEntry entry = entries.nextElement();
                    if (SIGNATURE.matcher(entry.getName()).matches()) {
                        continue;
                    }
                    ZipEntry kept = new ZipEntry(entry.getName());
                    kept.setTime(entry.getTime());
                    out.putNextEntry(kept);
                    try (InputStream in = zip.getInputStream(entry)) {
                        in.transferTo(out);
                    }
                    out.closeEntry();
                }
            }
            Files.move(copy, jar, StandardCopyOption.REPLACE_EXISTING, StandardCopyOption.ATOMIC_MOVE);
            return true;
        }
    }
}
