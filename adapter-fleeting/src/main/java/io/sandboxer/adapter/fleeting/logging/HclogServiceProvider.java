package io.sandboxer.adapter.fleeting.logging;

import java.io.FileOutputStream;
import java.io.FileDescriptor;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.util.Locale;
import java.util.concurrent.ConcurrentHashMap;
import org.slf4j.ILoggerFactory;
import org.slf4j.IMarkerFactory;
import org.slf4j.event.Level;
import org.slf4j.helpers.BasicMarkerFactory;
import org.slf4j.helpers.NOPMDCAdapter;
import org.slf4j.spi.MDCAdapter;
import org.slf4j.spi.SLF4JServiceProvider;

/**
 * The plugin's SLF4J backend: hclog JSON on the process's real stderr (file descriptor 2), level from
 * {@code SANDBOXER_LOG_LEVEL} (trace, debug, info — the default —, warn, error). The launcher selects it with
 * {@code -Dslf4j.provider=io.sandboxer.adapter.fleeting.logging.HclogServiceProvider}; it is not registered
 * for ServiceLoader, so it never competes with another backend on a library user's class path.
 */
public final class HclogServiceProvider implements SLF4JServiceProvider {
    private final BasicMarkerFactory markers = new BasicMarkerFactory();
    private final MDCAdapter mdc = new NOPMDCAdapter();
    private ILoggerFactory factory;

    @Override
    public ILoggerFactory getLoggerFactory() {
        return factory;
    }

    @Override
    public IMarkerFactory getMarkerFactory() {
        return markers;
    }

    @Override
    public MDCAdapter getMDCAdapter() {
        return mdc;
    }

    @Override
    public String getRequestedApiVersion() {
        return "2.0.99";
    }

    @Override
    public void initialize() {
        PrintStream stderr = new PrintStream(new FileOutputStream(FileDescriptor.err), true, StandardCharsets.UTF_8);
        Level threshold = level(System.getenv().getOrDefault("SANDBOXER_LOG_LEVEL", "info"));
        ConcurrentHashMap<String, HclogLogger> loggers = new ConcurrentHashMap<>();
        factory = name -> loggers.computeIfAbsent(name, n -> new HclogLogger(n, thresholdFor(n, threshold), stderr));
    }

    /**
     * Libraries' INFO lines (sshj announces every SecureRandom, identity string and disconnect) are detail that
     * would drown the plugin's own in the runner's log: they show from WARN, or at debug and trace.
     */
    static Level thresholdFor(String loggerName, Level threshold) {
        boolean ours = loggerName.startsWith("io.sandboxer.");
        return ours || threshold.toInt() < Level.INFO.toInt() || threshold.toInt() > Level.WARN.toInt() ? threshold : Level.WARN;
    }

    static Level level(String text) {
        try {
            return Level.valueOf(text.trim().toUpperCase(Locale.ROOT));
        } catch (IllegalArgumentException e) {
            return Level.INFO;
        }
    }
}
