package io.sandboxer.backend.kubevirt;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import com.fasterxml.jackson.dataformat.yaml.YAMLMapper;
import com.networknt.schema.JsonSchema;
import com.networknt.schema.JsonSchemaFactory;
import com.networknt.schema.SpecVersion;
import com.networknt.schema.ValidationMessage;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Path;
import java.util.Iterator;
import java.util.Set;

/**
 * The VMI's OpenAPI schema from the committed KubeVirt v1 CRD, as a JSON-schema validator. A real API server
 * prunes unknown fields silently (a misspelt field is simply lost); to catch that here, every object schema
 * that lists its properties and does not preserve unknown fields gets {@code additionalProperties: false}.
 */
final class CrdSchema {
    private static final ObjectMapper JSON = new ObjectMapper();
    private static final JsonSchema VMI = load();

    private CrdSchema() {
    }

    private static JsonSchema load() {
        try {
            JsonNode crd = new YAMLMapper().readTree(Path.of("src/main/crds/kubevirt.io_virtualmachineinstances.yaml").toFile());
            JsonNode schema = crd.at("/spec/versions/0/schema/openAPIV3Schema").deepCopy();
            strict(schema);
            return JsonSchemaFactory.getInstance(SpecVersion.VersionFlag.V4).getSchema(schema);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    private static void strict(JsonNode node) {
        if (node instanceof ObjectNode object) {
            boolean preserves = object.path("x-kubernetes-preserve-unknown-fields").asBoolean(false);
            if (object.has("properties") && !object.has("additionalProperties") && !preserves) {
                object.put("additionalProperties", false);
            }
            for (Iterator<JsonNode> it = object.elements(); it.hasNext(); ) {
                strict(it.next());
            }
        } else if (node.isArray()) {
            node.forEach(CrdSchema::strict);
        }
    }

    /** Violations of the VMI schema (empty = valid); the VMI as sent, with apiVersion/kind/metadata. */
    static Set<ValidationMessage> validateVmi(JsonNode vmi) {
        ObjectNode copy = vmi.deepCopy();
        copy.remove("status"); // written by KubeVirt, not by us
        if (copy.get("metadata") instanceof ObjectNode meta) {
            meta.retain("name", "namespace", "labels", "annotations", "generateName");
        }
        return VMI.validate(copy);
    }

    static Set<ValidationMessage> validateVmi(Object vmi) {
        return validateVmi(JSON.valueToTree(vmi));
    }
}
