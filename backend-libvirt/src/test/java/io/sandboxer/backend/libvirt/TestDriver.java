package io.sandboxer.backend.libvirt;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.sandboxer.core.group.GroupSettings;
import io.sandboxer.core.settings.SettingsBinder;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.function.Consumer;

/**
 * A private libvirt test-driver world per test: {@code test:///<dir>/node.xml} gives every connection its own
 * fresh copy of a node with network {@code default}, a dir pool {@code pool} holding a qcow2 base
 * {@code base.qcow2} (2 GiB) and a raw volume {@code raw.img}.
 */
final class TestDriver {
    static final String NODE = """
            <node>
              <network>
                <name>default</name>
                <bridge name='virbr0'/>
                <ip address='192.168.122.1' netmask='255.255.255.0'>
                  <dhcp><range start='192.168.122.2' end='192.168.122.254'/></dhcp>
                </ip>
              </network>
              <pool type='dir'>
                <name>pool</name>
                <target><path>/pool</path></target>
                <volume type='file'>
                  <name>base.qcow2</name>
                  <capacity unit='GiB'>2</capacity>
                  <target><path>/pool/base.qcow2</path><format type='qcow2'/></target>
                </volume>
                <volume type='file'>
                  <name>raw.img</name>
                  <capacity unit='GiB'>1</capacity>
                  <target><path>/pool/raw.img</path><format type='raw'/></target>
                </volume>
              </pool>
            </node>
            """;

    private TestDriver() {
    }

    static String uri(Path dir) {
        try {
            Files.createDirectories(dir);
            Path node = dir.resolve("node.xml");
            if (!Files.exists(node)) {
                Files.writeString(node, NODE);
            }
            return "test://" + node.toAbsolutePath();
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    /** The backend's and the group's settings, bound from one object as the adapters bind them. */
    record Config(LibvirtSettings settings, GroupSettings group) {
    }

    /** Settings as a user would write them, for the test driver in {@code dir}, adjusted by {@code tweak}. */
    static Config config(Path dir, Consumer<ObjectNode> tweak) {
        ObjectNode json = new ObjectMapper().createObjectNode()
                .put("uri", uri(dir))
                .put("pool_name", "pool")
                .put("base_volume_name", "base.qcow2")
                .put("state_dir", dir.resolve("state").toString())
                .put("max_size", 10)
                .put("memory_mib", 512)
                .put("bootstrap_format", "ignition");
        tweak.accept(json);
        var both = new SettingsBinder().bindBoth(json, GroupSettings.class, LibvirtSettings.class, "plugin_config");
        return new Config(both.second(), both.first());
    }

    static Config config(Path dir) {
        return config(dir, json -> { });
    }

    static LibvirtSettings settings(Path dir, Consumer<ObjectNode> tweak) {
        return config(dir, tweak).settings();
    }
}
