package io.sandboxer.backend.kubevirt;

import io.fabric8.kubernetes.api.model.IntOrString;
import io.fabric8.kubernetes.api.model.ObjectMeta;
import io.sandboxer.backend.kubevirt.model.v1.VirtualMachineInstance;
import io.sandboxer.backend.kubevirt.model.v1.VirtualMachineInstanceSpec;
import io.sandboxer.backend.kubevirt.model.v1.virtualmachineinstancespec.Domain;
import io.sandboxer.backend.kubevirt.model.v1.virtualmachineinstancespec.Networks;
import io.sandboxer.backend.kubevirt.model.v1.virtualmachineinstancespec.ReadinessProbe;
import io.sandboxer.backend.kubevirt.model.v1.virtualmachineinstancespec.Tolerations;
import io.sandboxer.backend.kubevirt.model.v1.virtualmachineinstancespec.Volumes;
import io.sandboxer.backend.kubevirt.model.v1.virtualmachineinstancespec.domain.Devices;
import io.sandboxer.backend.kubevirt.model.v1.virtualmachineinstancespec.domain.Machine;
import io.sandboxer.backend.kubevirt.model.v1.virtualmachineinstancespec.domain.Resources;
import io.sandboxer.backend.kubevirt.model.v1.virtualmachineinstancespec.domain.devices.Disks;
import io.sandboxer.backend.kubevirt.model.v1.virtualmachineinstancespec.domain.devices.Interfaces;
import io.sandboxer.backend.kubevirt.model.v1.virtualmachineinstancespec.domain.devices.disks.Disk;
import io.sandboxer.backend.kubevirt.model.v1.virtualmachineinstancespec.domain.devices.interfaces.Masquerade;
import io.sandboxer.backend.kubevirt.model.v1.virtualmachineinstancespec.networks.Pod;
import io.sandboxer.backend.kubevirt.model.v1.virtualmachineinstancespec.readinessprobe.TcpSocket;
import io.sandboxer.backend.kubevirt.model.v1.virtualmachineinstancespec.volumes.CloudInitNoCloud;
import io.sandboxer.backend.kubevirt.model.v1.virtualmachineinstancespec.volumes.ContainerDisk;
import io.sandboxer.backend.kubevirt.model.v1.virtualmachineinstancespec.volumes.cloudinitnocloud.SecretRef;
import io.sandboxer.core.model.Architecture;
import io.sandboxer.core.model.Quantity;
import io.sandboxer.core.model.ResourceRequirement;
import java.time.Instant;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * Builds the VirtualMachineInstance of a sandbox with the generated model (compile-checked field names, so a
 * misspelt {@code userDataSecretRef} cannot silently lose the cloud-init volume). No secret ever goes into it:
 * the cloud-init volume refers to the Secret by name.
 */
final class VmiFactory {
    private VmiFactory() {
    }

    /** Resolved inputs of one VMI. */
    record Request(String name, String namespace, String group, String image, String imagePullPolicy, String imagePullSecret,
                   Architecture architecture, String machineType, ResourceRequirement cpu, ResourceRequirement memory,
                   ResourceRequirement ephemeralStorage, Map<String, String> nodeSelector, List<KubevirtSettings.Toleration> tolerations,
                   int sshPort, Instant expiresAt, Map<String, String> labels) {
    }

    static VirtualMachineInstance build(Request r) {
        VirtualMachineInstance vmi = new VirtualMachineInstance();
        ObjectMeta meta = new ObjectMeta();
        meta.setName(r.name());
        meta.setNamespace(r.namespace());
        Map<String, String> labels = new LinkedHashMap<>(r.labels());
        labels.put(KubevirtNames.GROUP_LABEL, r.group());
        labels.put(KubevirtNames.ID_LABEL, r.name());
        meta.setLabels(labels);
        if (r.expiresAt() != null) {
            meta.setAnnotations(Map.of(KubevirtNames.EXPIRES_ANNOTATION, Long.toString(r.expiresAt().getEpochSecond())));
        }
        vmi.setMetadata(meta);

        VirtualMachineInstanceSpec spec = new VirtualMachineInstanceSpec();
        spec.setArchitecture(r.architecture().goName());
        spec.setEvictionStrategy("None");
        spec.setTerminationGracePeriodSeconds(0L);
        spec.setHostname(r.name());
        Map<String, String> nodeSelector = new LinkedHashMap<>(r.nodeSelector());
        nodeSelector.putIfAbsent("kubernetes.io/arch", r.architecture().goName());
        spec.setNodeSelector(nodeSelector);
        if (!r.tolerations().isEmpty()) {
            spec.setTolerations(r.tolerations().stream().map(VmiFactory::toleration).toList());
        }

        Domain domain = new Domain();
        if (r.machineType() != null) {
            Machine machine = new Machine();
            machine.setType(r.machineType());
            domain.setMachine(machine);
        }
        Resources resources = new Resources();
        Map<String, IntOrString> requests = new LinkedHashMap<>();
        Map<String, IntOrString> limits = new LinkedHashMap<>();
        put(requests, limits, "cpu", r.cpu());
        put(requests, limits, "memory", r.memory());
        put(requests, limits, "ephemeral-storage", r.ephemeralStorage());
        resources.setRequests(requests);
        if (!limits.isEmpty()) {
            resources.setLimits(limits);
        }
        domain.setResources(resources);

        Devices devices = new Devices();
        devices.setDisks(List.of(disk("rootdisk"), disk("cloudinitdisk")));
        Interfaces nic = new Interfaces();
        nic.setName("default");
        nic.setMasquerade(new Masquerade());
        devices.setInterfaces(List.of(nic));
        domain.setDevices(devices);
        spec.setDomain(domain);

        Networks network = new Networks();
        network.setName("default");
        network.setPod(new Pod());
        spec.setNetworks(List.of(network));

        Volumes root = new Volumes();
        root.setName("rootdisk");
        ContainerDisk containerDisk = new ContainerDisk();
        containerDisk.setImage(r.image());
        containerDisk.setImagePullPolicy(r.imagePullPolicy());
        if (r.imagePullSecret() != null) {
            containerDisk.setImagePullSecret(r.imagePullSecret());
        }
        root.setContainerDisk(containerDisk);
        Volumes cloudInit = new Volumes();
        cloudInit.setName("cloudinitdisk");
        CloudInitNoCloud noCloud = new CloudInitNoCloud();
        SecretRef ref = new SecretRef();
        ref.setName(KubevirtNames.secretName(r.name()));
        noCloud.setSecretRef(ref);
        cloudInit.setCloudInitNoCloud(noCloud);
        spec.setVolumes(List.of(root, cloudInit));

        // Without a probe, Ready turns true long before sshd listens.
        ReadinessProbe probe = new ReadinessProbe();
        TcpSocket tcp = new TcpSocket();
        tcp.setPort(new IntOrString(r.sshPort()));
        probe.setTcpSocket(tcp);
        probe.setInitialDelaySeconds(5);
        probe.setPeriodSeconds(3);
        probe.setTimeoutSeconds(2);
        probe.setFailureThreshold(200);
        spec.setReadinessProbe(probe);
        vmi.setSpec(spec);
        return vmi;
    }

    private static Disks disk(String name) {
        Disks disk = new Disks();
        disk.setName(name);
        Disk bus = new Disk();
        bus.setBus("virtio");
        disk.setDisk(bus);
        return disk;
    }

    private static Tolerations toleration(KubevirtSettings.Toleration t) {
        Tolerations out = new Tolerations();
        out.setKey(t.key());
        out.setOperator(t.operator());
        out.setValue(t.value());
        out.setEffect(t.effect());
        out.setTolerationSeconds(t.tolerationSeconds());
        return out;
    }

    private static void put(Map<String, IntOrString> requests, Map<String, IntOrString> limits, String key, ResourceRequirement requirement) {
        if (requirement == null) {
            return;
        }
        Quantity request = requirement.request();
        Quantity limit = requirement.limit();
        if (request != null) {
            requests.put(key, new IntOrString(request.text()));
        }
        if (limit != null) {
            limits.put(key, new IntOrString(limit.text()));
        }
    }
}
