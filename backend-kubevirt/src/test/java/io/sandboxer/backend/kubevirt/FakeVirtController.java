package io.sandboxer.backend.kubevirt;

import io.fabric8.kubernetes.client.KubernetesClient;
import io.fabric8.kubernetes.client.KubernetesClientException;
import io.sandboxer.backend.kubevirt.model.v1.VirtualMachineInstance;
import io.sandboxer.backend.kubevirt.model.v1.VirtualMachineInstanceStatus;
import io.sandboxer.backend.kubevirt.model.v1.virtualmachineinstancestatus.Conditions;
import io.sandboxer.backend.kubevirt.model.v1.virtualmachineinstancestatus.Interfaces;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.function.IntFunction;

/**
 * Plays virt-controller against the fabric8 mock server: moves each new VMI through Scheduling to Running with a
 * pod IP and a Ready condition, or, when told for a name, into an image pull error, phase Failed, or Running that
 * never becomes Ready.
 */
public final class FakeVirtController implements AutoCloseable {
    public enum Mode { READY, IMAGE_PULL_ERROR, FAILED, NEVER_READY }

    private final KubernetesClient client;
    private final String namespace;
    private final Map<String, Mode> modes = new ConcurrentHashMap<>();
    private final AtomicBoolean running = new AtomicBoolean(true);
    private final AtomicInteger nextIp = new AtomicInteger(10);
    private final Thread loop;
    private final IntFunction<String> ipForIndex;

    FakeVirtController(KubernetesClient client, String namespace) {
        this(client, namespace, i -> "10.244.0." + i);
    }

    /** {@code ipForIndex} gives the pod IP of the n-th VMI (tests that connect use loopback addresses). */
    public FakeVirtController(KubernetesClient client, String namespace, IntFunction<String> ipForIndex) {
        this.client = client;
        this.namespace = namespace;
        this.ipForIndex = ipForIndex;
        this.loop = Thread.ofVirtual().name("fake-virt-controller").start(this::run);
    }

    public void mode(String vmi, Mode mode) {
        modes.put(vmi, mode);
    }

    private void run() {
        while (running.get()) {
            try {
                for (VirtualMachineInstance vmi : client.resources(VirtualMachineInstance.class).inNamespace(namespace).list().getItems()) {
                    advance(vmi);
                }
            } catch (KubernetesClientException e) {
                // the mock may be shutting down or answering an injected error; try again
            }
            try {
                Thread.sleep(30); // the controller's reconcile interval
            } catch (InterruptedException e) {
                return;
            }
        }
    }

    private void advance(VirtualMachineInstance vmi) {
        Mode mode = modes.getOrDefault(vmi.getMetadata().getName(), Mode.READY);
        VirtualMachineInstanceStatus status = vmi.getStatus();
        String phase = status == null ? null : status.getPhase();
        if (phase == null) {
            VirtualMachineInstanceStatus s = new VirtualMachineInstanceStatus();
            s.setPhase("Scheduling");
            if (mode == Mode.IMAGE_PULL_ERROR) {
                s.setConditions(List.of(condition("Synchronized", "False", "ErrImagePull",
                        "failed to pull image \"" + vmi.getSpec().getVolumes().get(0).getContainerDisk().getImage() + "\": not found")));
            }
            update(vmi, s);
        } else if ("Scheduling".equals(phase) && mode != Mode.IMAGE_PULL_ERROR) {
            VirtualMachineInstanceStatus s = new VirtualMachineInstanceStatus();
            if (mode == Mode.FAILED) {
                s.setPhase("Failed");
                s.setConditions(List.of(condition("Ready", "False", "GuestCrashed", "the guest crashed during boot")));
            } else {
                s.setPhase("Running");
                s.setNodeName("node-1");
                Interfaces nic = new Interfaces();
                nic.setName("default");
                nic.setIpAddress(ipForIndex.apply(nextIp.getAndIncrement()));
                s.setInterfaces(List.of(nic));
                List<Conditions> conditions = new ArrayList<>();
                conditions.add(condition("Ready", mode == Mode.NEVER_READY ? "False" : "True", null, null));
                s.setConditions(conditions);
            }
            update(vmi, s);
        }
    }

    private void update(VirtualMachineInstance vmi, VirtualMachineInstanceStatus status) {
        vmi.setStatus(status);
        client.resources(VirtualMachineInstance.class).inNamespace(namespace).resource(vmi).update();
    }

    private static Conditions condition(String type, String status, String reason, String message) {
        Conditions c = new Conditions();
        c.setType(type);
        c.setStatus(status);
        c.setReason(reason);
        c.setMessage(message);
        return c;
    }

    @Override
    public void close() throws InterruptedException {
        running.set(false);
        loop.join(5000);
    }
}
