package io.sandboxer.adapter.fleeting;

import com.fasterxml.jackson.databind.JsonNode;
import com.google.protobuf.ByteString;
import io.grpc.Status;
import io.grpc.stub.StreamObserver;
import io.sandboxer.adapter.fleeting.protocol.ConnectInfoRequest;
import io.sandboxer.adapter.fleeting.protocol.ConnectInfoResponse;
import io.sandboxer.adapter.fleeting.protocol.ConnectorConfig;
import io.sandboxer.adapter.fleeting.protocol.DecreaseRequest;
import io.sandboxer.adapter.fleeting.protocol.DecreaseResponse;
import io.sandboxer.adapter.fleeting.protocol.Empty;
import io.sandboxer.adapter.fleeting.protocol.HeartbeatRequest;
import io.sandboxer.adapter.fleeting.protocol.IncreaseRequest;
import io.sandboxer.adapter.fleeting.protocol.IncreaseResponse;
import io.sandboxer.adapter.fleeting.protocol.InitRequest;
import io.sandboxer.adapter.fleeting.protocol.InitResponse;
import io.sandboxer.adapter.fleeting.protocol.InstanceGroupGrpc;
import io.sandboxer.adapter.fleeting.protocol.UpdateResponse.State;
import io.sandboxer.adapter.fleeting.protocol.UpdateResponse;
import io.sandboxer.core.access.GuestAccess;
import io.sandboxer.core.bootstrap.CaCertificate;
import io.sandboxer.core.credentials.PasswordHashAlgorithm;
import io.sandboxer.core.errors.UserMessages;
import io.sandboxer.core.fleet.Fleet;
import io.sandboxer.core.fleet.FleetInstance;
import io.sandboxer.core.fleet.IncreaseResult;
import io.sandboxer.core.fleet.ReadinessProbe;
import io.sandboxer.core.fleet.SweepReport;
import io.sandboxer.core.model.ConnectInfo;
import io.sandboxer.core.model.Credential;
import io.sandboxer.core.model.SandboxSpec;
import io.sandboxer.core.provider.SandboxProvider;
import io.sandboxer.core.settings.SettingsBinder;
import java.nio.charset.StandardCharsets;
import java.time.Clock;
import java.util.List;
import java.util.concurrent.Callable;
import java.util.concurrent.atomic.AtomicReference;
import java.util.function.Function;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The Fleeting InstanceGroup service on core's {@link Fleet}: Init binds and checks the settings and connects
 * to the backend (failing fast), Update reports every instance with its best-known state (running only once
 * SSH answers; failed instances are deleted and reported as deleting so nothing leaks), Increase and Decrease
 * report partial success, ConnectInfo fills in the connector config, Heartbeat asks the backend cheaply, and
 * Shutdown releases the plugin's own resources (instances stay, as the runner expects).
 */
final class InstanceGroupService extends InstanceGroupGrpc.InstanceGroupImplBase {
    private static final Logger LOG = LoggerFactory.getLogger(InstanceGroupService.class);

    private final String defaultBackend;
    private final Function<Connector, ReadinessProbe> probes;
    private final BuildInfo build;
    private final HeapTrim heapTrim = new HeapTrim(Clock.systemUTC());
    /** Everything Init made, swapped as one: a call never sees one Init's fleet with another's connector. */
    private record Session(PluginConfig config, Connector connector, SandboxProvider provider, Fleet fleet) {
        void close() {
            fleet.close();
            try {
                provider.close();
            } catch (RuntimeException e) {
                LOG.debug("closing the backend: {}", e.getMessage());
            }
        }
    }

    private final AtomicReference<Session> session = new AtomicReference<>();

    InstanceGroupService(String defaultBackend, Function<Connector, ReadinessProbe> probes, BuildInfo build) {
        this.defaultBackend = defaultBackend;
        this.probes = probes;
        this.build = build;
    }

    @Override
    public void init(InitRequest request, StreamObserver<InitResponse> response) {
        answer(response, "Init", () -> {
            JsonNode json = SettingsBinder.parse(request.getConfig().toString(StandardCharsets.UTF_8), "plugin_config");
            PluginConfig parsed = PluginConfig.from(json, defaultBackend);
            Connector parsedConnector = Connector.from(request.getSettings().getConnectorConfig());
            var caCertificates = parsed.settings().group().caCertificates();
            var passwordHash = parsed.settings().group().passwordHash();
            SandboxProvider opened = parsed.settings().open();
            Fleet newFleet;
            SweepReport sweep;
            try {
                newFleet = new Fleet(opened, parsed.fleet().deletingFailed(), name -> specFor(name.format(), parsedConnector, caCertificates, passwordHash),
                        probes.apply(parsedConnector), Clock.systemUTC());
                sweep = newFleet.start();
            } catch (RuntimeException e) {
                opened.close(); // a failed Init leaves no connection behind
                throw e;
            }
            Session previous = session.getAndSet(new Session(parsed, parsedConnector, opened, newFleet));
            if (previous != null) {
                previous.close();
            }
            LOG.info("initialised {} backend (max_size {}, prefix {}); start-up sweep deleted {} and adopted {} instance(s), removed {} orphaned leftover(s){}",
                    parsed.backend(), parsed.fleet().maxSize(), parsed.fleet().namePrefix(), sweep.deleted().size(), sweep.adopted().size(),
                    sweep.orphans().size(),
                    parsedConnector.generatedKey() ? "; no connector key was given, so the plugin generated one" : "");
            return InitResponse.newBuilder()
                    .setId("sandboxer/" + parsed.backend() + "/" + parsed.fleet().namePrefix())
                    .setMaxSize(parsed.fleet().maxSize())
                    .setVersion(build.version())
                    .setBuildInfo(build.buildInfo()).build();
        });
    }

    private static SandboxSpec specFor(String name, Connector c, List<CaCertificate> caCertificates, PasswordHashAlgorithm passwordHash) {
        GuestAccess.Plan plan = new GuestAccess().plan(new GuestAccess.Request(c.os(), c.protocol(), c.port(), c.username(), c.credentialChoice(),
                caCertificates, passwordHash));
        return SandboxSpec.builder(name).bootstrap(plan.bootstrap(name)).access(plan.access()).build();
    }

    /**
     * Streams one message per instance; the end of the stream is the end of the list. The whole list is taken from
     * the fleet before the first message goes out, so a failure reaches the runner as an error, never as a short list
     * (a missing instance would be pruned by the runner).
     */
    @Override
    public void update(Empty request, StreamObserver<UpdateResponse> response) {
        List<UpdateResponse> states;
        try {
            states = requireInit().fleet().update().stream().map(instance -> UpdateResponse.newBuilder().setInstance(instance.id())
                    .setState(wireState(instance)).build()).toList();
        } catch (RuntimeException e) {
            fail(response, "Update", e);
            return;
        }
        states.forEach(response::onNext);
        response.onCompleted();
        heapTrim.onUpdate();
    }

    /** The Fleet runs with {@code deleteFailed}: a failed instance is already being deleted and reported so. */
    private static State wireState(FleetInstance instance) {
        return switch (instance.state()) {
            case CREATING -> State.creating;
            case RUNNING -> State.running;
            case DELETING, FAILED -> State.deleting;
            case DELETED -> State.deleted;
        };
    }

    /**
     * A partial success is reported as its count, with the failures logged (the runner keeps requesting what is
     * still missing); only when nothing was created does the runner get an error. gRPC cannot carry both.
     */
    @Override
    public void increase(IncreaseRequest request, StreamObserver<IncreaseResponse> response) {
        answer(response, "Increase", () -> {
            IncreaseResult result = requireInit().fleet().increase(Math.toIntExact(Integer.toUnsignedLong(request.getN())));
            if (!result.errors().isEmpty()) {
                if (result.succeeded() == 0) {
                    throw new IllegalStateException(result.aggregatedError());
                }
                LOG.error("increase by {}: {} of them created; {}", request.getN(), result.succeeded(), result.aggregatedError());
            }
            return IncreaseResponse.newBuilder().setSucceeded(result.succeeded()).build();
        });
    }

    /** As Increase: the removed ids, the failures logged (the runner retries those); an error only when none was removed. */
    @Override
    public void decrease(DecreaseRequest request, StreamObserver<DecreaseResponse> response) {
        answer(response, "Decrease", () -> {
            var result = requireInit().fleet().decrease(request.getInstancesList());
            if (!result.aggregatedError().isEmpty()) {
                if (result.removed().isEmpty() && !request.getInstancesList().isEmpty()) {
                    throw new IllegalStateException(result.aggregatedError());
                }
                LOG.error("decrease of {}: {}", request.getInstancesList(), result.aggregatedError());
            }
            if (!result.removed().isEmpty()) {
                heapTrim.afterShrink();
            }
            return DecreaseResponse.newBuilder().addAllSucceeded(result.removed()).build();
        });
    }

    @Override
    public void connectInfo(ConnectInfoRequest request, StreamObserver<ConnectInfoResponse> response) {
        answer(response, "ConnectInfo", () -> {
            Session current = requireInit();
            ConnectInfo info = current.fleet().connectInfo(request.getInstance());
            Connector c = current.connector();
            ConnectorConfig.Builder cfg = c.wire().toBuilder()
                    .setOs(info.os().jsonName())
                    .setArch(info.architecture().goName())
                    .setProtocol(info.protocol().jsonName())
                    .setProtocolPort(info.port())
                    .setUsername(c.username());
            if (info.credential() instanceof Credential.PrivateKey key) {
                cfg.setKey(ByteString.copyFrom(key.key().text().revealBytes()));
            } else if (info.credential() instanceof Credential.Password password) {
                cfg.setPassword(password.password().reveal());
            }
            return ConnectInfoResponse.newBuilder().setConnector(cfg)
                    .setInternalAddr(nullToEmpty(info.internalAddress())).setExternalAddr(nullToEmpty(info.externalAddress())).build();
        });
    }

    @Override
    public void heartbeat(HeartbeatRequest request, StreamObserver<Empty> response) {
        answer(response, "Heartbeat", () -> {
            requireInit().fleet().healthProblem(request.getInstance()).ifPresent(problem -> {
                throw new IllegalStateException(problem);
            });
            return Empty.getDefaultInstance();
        });
    }

    @Override
    public void shutdown(Empty request, StreamObserver<Empty> response) {
        answer(response, "Shutdown", () -> {
            closeQuietly();
            LOG.info("shut down: plugin resources released, instances left to the runner");
            return Empty.getDefaultInstance();
        });
    }

    /** Releases the backend connection and worker threads. */
    void closeQuietly() {
        Session previous = session.getAndSet(null);
        if (previous != null) {
            previous.close();
        }
    }

    private Session requireInit() {
        Session current = session.get();
        if (current == null) {
            throw new IllegalStateException("the plugin is not initialised (Init has not succeeded)");
        }
        return current;
    }

    /** Runs a call; any failure becomes gRPC status UNKNOWN with the message, which is what reaches the runner's log. */
    private static <T> void answer(StreamObserver<T> response, String call, Callable<T> work) {
        try {
            response.onNext(work.call());
            response.onCompleted();
        } catch (Exception e) {
            fail(response, call, e);
        }
    }

    private static void fail(StreamObserver<?> response, String call, Exception e) {
        String message = UserMessages.of(e);
        LOG.error("{} failed: {}", call, message);
        response.onError(Status.UNKNOWN.withDescription(message).asRuntimeException());
    }

    private static String nullToEmpty(String s) {
        return s == null ? "" : s;
    }

    PluginConfig config() {
        Session current = session.get();
        return current == null ? null : current.config();
    }
}
