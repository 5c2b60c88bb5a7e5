package io.sandboxer.core.pool;

import io.sandboxer.core.model.ImageRef;
import io.sandboxer.core.model.Quantity;
import io.sandboxer.core.model.ResourceRequirement;
import io.sandboxer.core.model.SandboxAccess;
import io.sandboxer.core.model.SandboxSpec;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.HexFormat;

/**
 * What a job's sandbox must have in common with a pool member for the member to serve it, as one key: image, sizes
 * (request and limit of each), architecture, machine type, and the login (OS, protocol, port, user). Never the
 * credential (each member has its own) nor the name. A SHA-256 prefix, so it fits a label value and says nothing of the
 * spec it came from.
 */
public final class PoolShape {
    private PoolShape() {
    }

    public static String key(SandboxSpec spec) {
        StringBuilder canonical = new StringBuilder();
        ImageRef image = spec.image();
        field(canonical, "image", image == null ? "" : image.getClass().getSimpleName() + ":" + image.display());
        field(canonical, "cpu", requirement(spec.resources().cpu()));
        field(canonical, "memory", requirement(spec.resources().memory()));
        field(canonical, "disk", requirement(spec.resources().disk()));
        field(canonical, "architecture", spec.architecture() == null ? "" : spec.architecture().name());
        field(canonical, "machine", spec.machineType() == null ? "" : spec.machineType());
        SandboxAccess access = spec.access();
        field(canonical, "login", access == null ? "" : access.os() + "/" + access.protocol() + "/" + access.port() + "/" + access.user());
        try {
            byte[] digest = MessageDigest.getInstance("SHA-256").digest(canonical.toString().getBytes(StandardCharsets.UTF_8));
            return HexFormat.of().formatHex(digest, 0, 8);
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException(e);
        }
    }

    private static String requirement(ResourceRequirement requirement) {
        return amount(requirement.request()) + "/" + amount(requirement.limit());
    }

    private static String amount(Quantity quantity) {
        return quantity == null ? "" : quantity.amount().stripTrailingZeros().toPlainString();
    }

    /** Length-prefixed, so no value can pass for two fields. */
    private static void field(StringBuilder out, String name, String value) {
        out.append(name).append('=').append(value.length()).append(':').append(value).append(';');
    }
}
