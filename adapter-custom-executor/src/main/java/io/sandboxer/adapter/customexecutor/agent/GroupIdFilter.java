package io.sandboxer.adapter.customexecutor.agent;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.OutputStream;
import java.nio.charset.StandardCharsets;
import java.util.Objects;
import java.util.function.LongConsumer;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * The script's stderr on its way to the job log, minus the one line in which {@link RemoteScript#LINUX_WRAPPER} names
 * the script's process group. Only lines before that one are looked at (a login shell's start-up files may print
 * some, and they pass through); once the group is named, everything passes untouched, so nothing the job prints
 * later can pose as the wrapper.
 */
final class GroupIdFilter extends OutputStream {
    static final String PREFIX = "sandboxer-process-group=";
    private static final Pattern LINE = Pattern.compile(Pattern.quote(PREFIX) + "([1-9][0-9]{0,9})\r?");
    /** A line this long before the wrapper's is not start-up noise but the script's own output: stop looking. */
    private static final int MAX_LINE = 4096;

    private final OutputStream sink;
    private final LongConsumer named;
    private final ByteArrayOutputStream line = new ByteArrayOutputStream();
    private boolean looking = true;

    GroupIdFilter(OutputStream sink, LongConsumer named) {
        this.sink = sink;
        this.named = Objects.requireNonNull(named, "named");
    }

    @Override
    public void write(int b) throws IOException {
        write(new byte[] {(byte) b}, 0, 1);
    }

    @Override
    public void write(byte[] bytes, int offset, int length) throws IOException {
        int end = offset + length;
        int at = offset;
        while (looking && at < end) {
            byte b = bytes[at++];
            if (b == '\n') {
                lineEnded();
            } else {
                line.write(b);
                if (line.size() > MAX_LINE) {
                    giveUp();
                }
            }
        }
        if (at < end && sink != null) {
            sink.write(bytes, at, end - at);
        }
    }

    private void lineEnded() throws IOException {
        Matcher m = LINE.matcher(line.toString(StandardCharsets.ISO_8859_1));
        if (m.matches()) {
            looking = false;
            line.reset();
            named.accept(Long.parseLong(m.group(1)));
        } else {
            line.write('\n');
            pass();
        }
    }

    private void giveUp() throws IOException {
        looking = false;
        pass();
    }

    private void pass() throws IOException {
        if (sink != null) {
            line.writeTo(sink);
        }
        line.reset();
    }

    @Override
    public void flush() throws IOException {
        if (sink != null) {
            sink.flush();
        }
    }

    /** The stream has ended: a partial line still held is output, not the wrapper's. */
    void end() {
        try {
            looking = false;
            pass();
            flush();
        } catch (IOException e) {
            // the sink is gone with the channel; nothing more to deliver
        }
    }
}
