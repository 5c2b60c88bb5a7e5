package io.sandboxer.adapter.fleeting;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import com.google.protobuf.ByteString;
import io.grpc.Status;
import io.grpc.stub.StreamObserver;
import io.sandboxer.adapter.fleeting.protocol.ConnectInfoRequest;
import io.sandboxer.adapter.fleeting.protocol.ConnectInfoResponse;
import io.sandboxer.adapter.fleeting.protocol.ConnectorConfig;
import io.sandboxer.adapter.fleeting.protocol.DecreaseRequest;
import io.sandboxer.adapter.fleeting.protocol.DecreaseResponse;
import io.sandboxer.adapter.fleeting.protocol.HeartbeatRequest;
import io.sandboxer.adapter.fleeting.protocol.HeartbeatResponse;
import io.sandboxer.adapter.fleeting.protocol.IncreaseRequest;
import io.sandboxer.adapter.fleeting.protocol.IncreaseResponse;
import io.sandboxer.adapter.fleeting.protocol.InitRequest;
import io.sandboxer.adapter.fleeting.protocol.InitResponse;
import io.sandboxer.adapter.fleeting.protocol.Instance;
import io.sandboxer.adapter.fleeting.protocol.InstanceGroupGrpc;
import io.sandboxer.adapter.fleeting.protocol.ProviderInfo;
import io.sandboxer.adapter.fleeting.protocol.ShutdownRequest;
import io.sandboxer.adapter.fleeting.protocol.ShutdownResponse;
import io.sandboxer.adapter.fleeting.protocol.State;
import io.sandboxer.adapter.fleeting.protocol.UpdateRequest;
import io.sandboxer.adapter.fleeting.protocol.UpdateResponse;
import io.sandboxer.core.bootstrap.BootstrapSpec;
import io.sandboxer.core.bootstrap.GuestUser;
import io.sandboxer.core.bootstrap.UserPassword;
import io.sandboxer.core.credentials.PasswordHashAlgorithm;
import io.sandboxer.core.credentials.PasswordHasher;
import io.sandboxer.core.fleet.Fleet;
import io.sandboxer.core.fleet.FleetInstance;
import io.sandboxer.core.fleet.IncreaseResult;
import io.sandboxer.core.fleet.ReadinessProbe;
import io.sandboxer.core.model.ConnectInfo;
import io.sandboxer.core.model.Credential;
import io.sandboxer.core.model.OsFamily;
import io.sandboxer.core.model.Sandbox;
import io.sandboxer.core.model.SandboxSpec;
import io.sandboxer.core.model.SandboxState;
import io.sandboxer.core.provider.SandboxProvider;
import io.sandboxer.core.provider.SandboxProviders;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.time.Clock;
import java.util.List;
import java.util.concurrent.Callable;
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
    private static final ObjectMapper JSON = new ObjectMapper();

    private final String defaultBackend;
    private final Function<Connector, ReadinessProbe> probes;
    private final BuildInfo build;
    private volatile SandboxProvider provider;
    private volatile Fleet fleet;
    private volatile Connector connector;
    private volatile PluginConfig config;

    InstanceGroupService(String defaultBackend, Function<Connector, ReadinessProbe> probes, BuildInfo build) {
        this.defaultBackend = defaultBackend;
        this.probes = probes;
        this.build = build;
    }

    @Override
    public void init(InitRequest request, StreamObserver<InitResponse> response) {
        answer(response, "Init", () -> {
            JsonNode json = request.getConfig().isEmpty() ? JsonNodeFactory.instance.objectNode()
                    : JSON.readTree(request.getConfig().toString(StandardCharsets.UTF_8));
            PluginConfig parsed = PluginConfig.from(json, defaultBackend);
            Connector parsedConnector = Connector.from(request.getSettings());
            SandboxProvider opened = SandboxProviders.create(parsed.backend(), json, "plugin_config");
            Fleet newFleet = new Fleet(opened, parsed.fleet(), name -> specFor(name.format(), parsedConnector),
                    probes.apply(parsedConnector), Clock.systemUTC());
            var sweep = newFleet.start();
            closeQuietly();
            provider = opened;
            fleet = newFleet;
            connector = parsedConnector;
            config = parsed;
            LOG.info("initialised {} backend (max_size {}, prefix {}); start-up sweep deleted {} and adopted {} instance(s), removed {} orphaned leftover(s){}",
                    parsed.backend(), parsed.fleet().maxSize(), parsed.fleet().namePrefix(), sweep.deleted().size(), sweep.adopted().size(),
                    sweep.orphans().size(),
                    parsedConnector.generatedKey() ? "; no connector key was given, so the plugin generated one" : "");
            return InitResponse.newBuilder().setInfo(ProviderInfo.newBuilder()
                    .setId("sandboxer/" + parsed.backend() + "/" + parsed.fleet().namePrefix())
                    .setMaxSize(parsed.fleet().maxSize())
                    .setVersion(build.version())
                    .setBuildInfo(build.buildInfo())).build();
        });
    }

    private SandboxSpec specFor(String name, Connector c) {
        UserPassword password = null;
        if (c.password() != null) {
            password = c.os() == OsFamily.WINDOWS ? new UserPassword.Plain(c.password())
                    : new UserPassword.Hashed(new PasswordHasher().hash(c.password(), PasswordHashAlgorithm.SHA512_CRYPT));
        }
        boolean imageUser = "core".equals(c.username()); // Flatcar's own user: update it, do not re-group it
        List<String> keys = c.key() == null ? List.of() : List.of(c.key().authorizedKeysLine());
        GuestUser user = new GuestUser(c.username(), password, keys, imageUser || c.os() == OsFamily.WINDOWS ? List.of() : List.of("sudo", "docker"),
                null, !imageUser && c.os() == OsFamily.LINUX);
        BootstrapSpec bootstrap = new BootstrapSpec(c.os(), name, List.of(user), List.of(), List.of(), List.of(), List.of(), false);
        return SandboxSpec.builder(name).bootstrap(bootstrap).access(c.access()).build();
    }

    @Override
    public void update(UpdateRequest request, StreamObserver<UpdateResponse> response) {
        answer(response, "Update", () -> {
            Fleet current = requireInit();
            UpdateResponse.Builder out = UpdateResponse.newBuilder();
            for (FleetInstance instance : current.update()) {
                State state = switch (instance.state()) {
                    case CREATING -> State.STATE_CREATING;
                    case RUNNING -> State.STATE_RUNNING;
                    case DELETING -> State.STATE_DELETING;
                    case DELETED -> State.STATE_DELETED;
                    case FAILED -> {
                        // The runner stops tracking broken instances without deleting them: delete them here.
                        LOG.warn("instance {} failed ({}); deleting it", instance.id(), instance.detail());
                        Thread.ofVirtual().start(() -> current.decrease(List.of(instance.id())));
                        yield State.STATE_DELETING;
                    }
                };
                out.addInstances(Instance.newBuilder().setId(instance.id()).setState(state));
            }
            return out.build();
        });
    }

    @Override
    public void increase(IncreaseRequest request, StreamObserver<IncreaseResponse> response) {
        answer(response, "Increase", () -> {
            IncreaseResult result = requireInit().increase(request.getDelta());
            if (!result.errors().isEmpty()) {
                LOG.warn("increase by {}: {}", request.getDelta(), result.aggregatedError());
            }
            return IncreaseResponse.newBuilder().setSucceeded(result.succeeded()).setError(result.aggregatedError()).build();
        });
    }

    @Override
    public void decrease(DecreaseRequest request, StreamObserver<DecreaseResponse> response) {
        answer(response, "Decrease", () -> {
            var result = requireInit().decrease(request.getIdsList());
            return DecreaseResponse.newBuilder().addAllSucceeded(result.removed()).setError(result.aggregatedError()).build();
        });
    }

    @Override
    public void connectInfo(ConnectInfoRequest request, StreamObserver<ConnectInfoResponse> response) {
        answer(response, "ConnectInfo", () -> {
            ConnectInfo info = requireInit().connectInfo(request.getId());
            Connector c = connector;
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
            return ConnectInfoResponse.newBuilder().setId(info.id()).setConfig(cfg)
                    .setInternalAddr(nullToEmpty(info.internalAddress())).setExternalAddr(nullToEmpty(info.externalAddress())).build();
        });
    }

    @Override
    public void heartbeat(HeartbeatRequest request, StreamObserver<HeartbeatResponse> response) {
        answer(response, "Heartbeat", () -> {
            requireInit();
            Sandbox sandbox = provider.get(request.getId())
                    .orElseThrow(() -> new IllegalStateException("instance " + request.getId() + " does not exist"));
            if (sandbox.state() == SandboxState.FAILED || sandbox.state().isTerminal()) {
                throw new IllegalStateException("instance " + request.getId() + " is unhealthy: " + sandbox.detail());
            }
            return HeartbeatResponse.getDefaultInstance();
        });
    }

    @Override
    public void shutdown(ShutdownRequest request, StreamObserver<ShutdownResponse> response) {
        answer(response, "Shutdown", () -> {
            closeQuietly();
            LOG.info("shut down: plugin resources released, instances left to the runner");
            return ShutdownResponse.getDefaultInstance();
        });
    }

    /** Releases the backend connection and worker threads. */
    void closeQuietly() {
        Fleet f = fleet;
        SandboxProvider p = provider;
        fleet = null;
        provider = null;
        if (f != null) {
            f.close();
        }
        if (p != null) {
            try {
                p.close();
            } catch (RuntimeException e) {
                LOG.debug("closing the backend: {}", e.getMessage());
            }
        }
    }

    private Fleet requireInit() {
        Fleet f = fleet;
        if (f == null) {
            throw new IllegalStateException("the plugin is not initialised (Init has not succeeded)");
        }
        return f;
    }

    /** Runs a call; any failure becomes gRPC status UNKNOWN with the message, which is what reaches the runner's log. */
    private static <T> void answer(StreamObserver<T> response, String call, Callable<T> work) {
        try {
            response.onNext(work.call());
            response.onCompleted();
        } catch (Exception e) {
            String message = e instanceof IOException ? "plugin_config is not valid JSON: " + e.getMessage() : String.valueOf(e.getMessage());
            LOG.error("{} failed: {}", call, message);
            response.onError(Status.UNKNOWN.withDescription(message).asRuntimeException());
        }
    }

    private static String nullToEmpty(String s) {
        return s == null ? "" : s;
    }

    PluginConfig config() {
        return config;
    }
}
