package io.sandboxer.adapter.fleeting.logging;

import java.io.PrintStream;
import java.time.Instant;
import java.util.LinkedHashMap;
import java.util.Locale;
import java.util.Map;
import org.slf4j.Marker;
import org.slf4j.event.Level;
import org.slf4j.helpers.AbstractLogger;
import org.slf4j.helpers.MessageFormatter;

/** An SLF4J logger writing one hclog JSON object per line to stderr. */
final class HclogLogger extends AbstractLogger {
    private final String module;
    private final Level threshold;
    private final PrintStream out;

    HclogLogger(String name, Level threshold, PrintStream out) {
        this.name = name;
        this.module = name.substring(name.lastIndexOf('.') + 1);
        this.threshold = threshold;
        this.out = out;
    }

    private boolean enabled(Level level) {
        return level.toInt() >= threshold.toInt();
    }

    @Override
    public boolean isTraceEnabled() {
        return enabled(Level.TRACE);
    }

    @Override
    public boolean isTraceEnabled(Marker marker) {
        return isTraceEnabled();
    }

    @Override
    public boolean isDebugEnabled() {
        return enabled(Level.DEBUG);
    }

    @Override
    public boolean isDebugEnabled(Marker marker) {
        return isDebugEnabled();
    }

    @Override
    public boolean isInfoEnabled() {
        return enabled(Level.INFO);
    }

    @Override
    public boolean isInfoEnabled(Marker marker) {
        return isInfoEnabled();
    }

    @Override
    public boolean isWarnEnabled() {
        return enabled(Level.WARN);
    }

    @Override
    public boolean isWarnEnabled(Marker marker) {
        return isWarnEnabled();
    }

    @Override
    public boolean isErrorEnabled() {
        return enabled(Level.ERROR);
    }

    @Override
    public boolean isErrorEnabled(Marker marker) {
        return isErrorEnabled();
    }

    @Override
    protected String getFullyQualifiedCallerName() {
        return null;
    }

    @Override
    protected void handleNormalizedLoggingCall(Level level, Marker marker, String pattern, Object[] arguments, Throwable throwable) {
        String message = MessageFormatter.basicArrayFormat(pattern, arguments);
        Map<String, String> fields = new LinkedHashMap<>();
        if (throwable != null) {
            fields.put("error", String.valueOf(throwable.getMessage()));
            fields.put("error_type", throwable.getClass().getName());
        }
        String line = HclogFormat.line(level.name().toLowerCase(Locale.ROOT), message, Instant.now(), module, fields);
        synchronized (out) {
            out.println(line);
            out.flush();
        }
    }
}
