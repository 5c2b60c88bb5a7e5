package io.sandboxer.adapter.customexecutor.agent;

import java.io.DataInputStream;
import java.io.DataOutputStream;
import java.io.EOFException;
import java.io.IOException;
import java.io.OutputStream;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;

/**
 * The agent's socket protocol: frames of one type byte, a 4-byte length and that many bytes. A {@code run} client sends
 * RUN (the sub-stage name) and SCRIPT (the script's bytes), later perhaps CANCEL; the agent answers STARTED once the
 * script runs in the guest, OUT and ERR as its output arrives, and EXIT (the exit status) or FAILED (why the agent
 * could not run it). {@code cleanup} sends DELETE (the sandbox's name) and the agent, which holds the backend open,
 * deletes the sandbox, stops and removes its directory before it answers DELETED (one byte: 1 when there was a sandbox,
 * 0 when there was none) or FAILED; STOP only stops it. Closing the socket before EXIT means cancel.
 */
final class AgentProtocol {
    static final byte RUN = 'R';
    static final byte SCRIPT = 'S';
    static final byte CANCEL = 'C';
    static final byte STOP = 'Q';
    static final byte DELETE = 'D';
    static final byte STARTED = 's';
    static final byte OUT = 'o';
    static final byte ERR = 'e';
    static final byte EXIT = 'x';
    static final byte FAILED = 'f';
    static final byte STOPPING = 'q';
    static final byte DELETED = 'd';
    /** Job scripts are a few hundred KiB at most; a larger frame is a confused or hostile peer. */
    static final int MAX_FRAME = 64 * 1024 * 1024;

    private AgentProtocol() {
    }

    record Frame(byte type, byte[] payload) {
        String text() {
            return new String(payload, StandardCharsets.UTF_8);
        }

        int number() {
            return ByteBuffer.wrap(payload).getInt();
        }
    }

    /** The next frame, or null at a clean end of stream. */
    static Frame read(DataInputStream in) throws IOException {
        int type = in.read();
        if (type < 0) {
            return null;
        }
        int length = in.readInt();
        if (length < 0 || length > MAX_FRAME) {
            throw new IOException("a frame of " + length + " bytes is not allowed");
        }
        byte[] payload = new byte[length];
        in.readFully(payload);
        return new Frame((byte) type, payload);
    }

    static Frame readRequired(DataInputStream in) throws IOException {
        Frame frame = read(in);
        if (frame == null) {
            throw new EOFException("the peer closed the connection");
        }
        return frame;
    }

    /** Writes one frame and flushes; callers share one writer between threads, so frames never interleave. */
    static void write(DataOutputStream out, byte type, byte[] payload, int offset, int length) throws IOException {
        synchronized (out) {
            out.writeByte(type);
            out.writeInt(length);
            out.write(payload, offset, length);
            out.flush();
        }
    }

    static void write(DataOutputStream out, byte type, byte[] payload) throws IOException {
        write(out, type, payload, 0, payload.length);
    }

    static void write(DataOutputStream out, byte type, String text) throws IOException {
        write(out, type, text.getBytes(StandardCharsets.UTF_8));
    }

    static void write(DataOutputStream out, byte type, int number) throws IOException {
        write(out, type, ByteBuffer.allocate(4).putInt(number).array());
    }

    /** An output stream whose every write is one frame of {@code type}: the script's stdout or stderr, as it arrives. */
    static OutputStream framing(DataOutputStream out, byte type) {
        return new OutputStream() {
            @Override
            public void write(int b) throws IOException {
                write(new byte[] {(byte) b}, 0, 1);
            }

            @Override
            public void write(byte[] b, int off, int len) throws IOException {
                AgentProtocol.write(out, type, b, off, len);
            }
        };
    }
}
