package io.sandboxer.it.fleeting;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.google.protobuf.DescriptorProtos.FieldDescriptorProto;
import com.google.protobuf.DescriptorProtos.FileDescriptorProto;
import io.sandboxer.adapter.fleeting.protocol.FleetingProto;
import io.sandboxer.it.libvirt.LibvirtHost;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * sandboxer's hand-written {@code fleeting.proto} against the descriptor GitLab's fleeting library registers at
 * run time (the one linked into GitLab Runner), at the version pinned in {@code fleetingharness/go.mod}: the same
 * package, messages, fields (names, numbers, types, labels), enum values and methods (streaming included). Bumping
 * that version re-runs this comparison; any drift fails it with every difference named.
 */
class FleetingSchemaConformanceIT {
    private static FileDescriptorProto upstream;
    @TempDir
    static Path work;

    @BeforeAll
    static void readUpstream() throws Exception {
        Path out = work.resolve("fleeting-descriptor.pb");
        String described = LibvirtHost.run(FleetingHost.peers().resolve("descriptor").toString(), out.toString()).strip();
        System.out.println("upstream descriptor: " + described);
        upstream = FileDescriptorProto.parseFrom(Files.readAllBytes(out));
    }

    @Test
    void ourSchemaIsWireIdenticalToTheFleetingModules() {
        FileDescriptorProto ours = FleetingProto.getDescriptor().toProto();
        assertEquals("proto", upstream.getPackage(), "the upstream file was found");
        assertTrue(upstream.getServiceList().stream().anyMatch(s -> s.getName().equals("InstanceGroup")));
        List<String> differences = ProtoSchemaDiff.between(upstream, ours);
        assertEquals(List.of(), differences, "fleeting.proto differs from the fleeting module's descriptor");
    }

    /** The comparison itself can fail: a renumbered field, a lost stream flag, an extra message are each caught. */
    @Test
    void anyDriftIsNamed() {
        FileDescriptorProto.Builder drifted = FleetingProto.getDescriptor().toProto().toBuilder();
        var connector = drifted.getMessageTypeBuilderList().stream().filter(m -> m.getName().equals("ConnectorConfig")).findFirst().orElseThrow();
        FieldDescriptorProto.Builder timeout = connector.getFieldBuilderList().stream().filter(f -> f.getName().equals("timeout")).findFirst().orElseThrow();
        timeout.setNumber(11);
        var update = drifted.getServiceBuilder(0).getMethodBuilderList().stream().filter(m -> m.getName().equals("Update")).findFirst().orElseThrow();
        update.setServerStreaming(false);
        drifted.addMessageTypeBuilder().setName("Extra");

        List<String> differences = ProtoSchemaDiff.between(upstream, drifted.build());
        assertEquals(List.of(
                "message ConnectorConfig field timeout number: upstream 9, ours 11",
                "message Extra: not upstream",
                "service InstanceGroup method Update server streaming: upstream true, ours false"), differences.stream().sorted().toList());
    }
}
