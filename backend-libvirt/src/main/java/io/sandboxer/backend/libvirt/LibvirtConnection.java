package io.sandboxer.backend.libvirt;

import io.sandboxer.core.credentials.UriPasswords;
import io.sandboxer.core.provider.SandboxException;
import org.libvirt.Connect;
import org.libvirt.Domain;
import org.libvirt.Library;
import org.libvirt.LibvirtException;
import org.libvirt.StoragePool;
import java.util.Optional;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * One shared libvirt connection (the C API is thread-safe per connection). The libvirt library is set up once
 * per process: its event loop runs on a daemon thread (needed for keep-alives), and an error callback stops
 * libvirt from printing errors to stderr on its own; errors reach us as exceptions. A dropped connection (a
 * libvirtd restart, a broken SSH tunnel) is detected and reopened, and the call is retried once.
 */
final class LibvirtConnection implements AutoCloseable {
    private static final Logger LOG = LoggerFactory.getLogger(LibvirtConnection.class);
    private static final Object LIBRARY_LOCK = new Object();
    private static boolean libraryReady;

    private final String uri;
    private Connect connect;

    LibvirtConnection(String uri) {
        this.uri = uri;
        initialiseLibrary();
        synchronized (this) {
            connect = open();
        }
    }

    static void initialiseLibrary() {
        synchronized (LIBRARY_LOCK) {
            if (libraryReady) {
                return;
            }
            try {
                Connect.setErrorCallback((userData, error) -> { }); // errors arrive as LibvirtException instead
                Library.initEventLoop();
                Thread loop = new Thread(() -> {
                    try {
                        Library.runEventLoop();
                    } catch (LibvirtException e) {
                        LOG.warn("libvirt event loop stopped: {}", LibvirtErrors.message(e));
                    } catch (InterruptedException e) {
                        Thread.currentThread().interrupt();
                    }
                }, "libvirt-event-loop");
                loop.setDaemon(true);
                loop.start();
                // A thread blocked in native code holds the JVM's exit for 300 ms (HotSpot waits for threads in
                // native to block): a third of a custom-executor stage's exit time. Wake and end the loop first.
                Runtime.getRuntime().addShutdownHook(new Thread(() -> stopEventLoop(loop), "libvirt-event-loop-stop"));
                libraryReady = true;
            } catch (LibvirtException | UnsatisfiedLinkError e) {
                throw new SandboxException("cannot initialise libvirt (is libvirt0 installed?): " + e.getMessage(), false, e);
            }
        }
    }

    private static void stopEventLoop(Thread loop) {
        try {
            Library.stopEventLoop();
            loop.join(1000);
        } catch (LibvirtException e) {
            LOG.debug("stopping the libvirt event loop: {}", LibvirtErrors.message(e));
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }

    private Connect open() {
        try {
            Connect c = new Connect(uri);
            try {
                c.setKeepAlive(5, 3); // notice a dead daemon or tunnel within ~20 s
            } catch (LibvirtException e) {
                LOG.debug("keep-alive not supported on {}: {}", UriPasswords.redact(uri), LibvirtErrors.message(e));
            }
            return c;
        } catch (LibvirtException e) {
            throw new SandboxException("cannot connect to libvirt at " + UriPasswords.redact(uri) + ": " + LibvirtErrors.message(e), true, e);
        }
    }

    String uri() {
        return uri;
    }

    /** Runs {@code call}; when the connection turns out to be dead, reconnects and runs it once more. */
    <T> T call(String action, LibvirtCall<T> call) {
        Connect current = current();
        try {
            return call.apply(current);
        } catch (LibvirtException e) {
            if (!LibvirtErrors.isConnectionLost(e) && isAlive(current)) {
                throw LibvirtErrors.wrap(action, e);
            }
            LOG.warn("libvirt connection to {} lost during {}; reconnecting", UriPasswords.redact(uri), action);
            Connect fresh = reconnect(current);
            try {
                return call.apply(fresh);
            } catch (LibvirtException again) {
                throw LibvirtErrors.wrap(action, again);
            }
        }
    }

    /** Work on one libvirt object that is looked up for it and freed after it. */
    @FunctionalInterface
    interface ObjectCall<O, T> {
        T apply(O object) throws LibvirtException;
    }

    /** Frees a libvirt-java object's native handle. */
    @FunctionalInterface
    interface Free<O> {
        void free(O object) throws LibvirtException;
    }

    /** {@link #call} on the storage pool {@code pool}, freed afterwards (libvirt-java objects hold native handles). */
    <T> T withPool(String action, String pool, ObjectCall<StoragePool, T> work) {
        return call(action, c -> using(c.storagePoolLookupByName(pool), StoragePool::free, work));
    }

    /** {@link #call} on the domain {@code name}, freed afterwards. */
    <T> T withDomain(String action, String name, ObjectCall<Domain, T> work) {
        return call(action, c -> using(c.domainLookupByName(name), Domain::free, work));
    }

    /** Runs {@code work} on {@code object} and frees it, whatever happens. */
    static <O, T> T using(O object, Free<O> free, ObjectCall<O, T> work) throws LibvirtException {
        try {
            return work.apply(object);
        } finally {
            free.free(object);
        }
    }

    /** A lookup that may find nothing. */
    @FunctionalInterface
    interface Lookup<O> {
        O find() throws LibvirtException;
    }

    /** The looked-up object, or empty when libvirt says it does not exist (an answer, not an error). */
    static <O> Optional<O> found(Lookup<O> lookup) throws LibvirtException {
        try {
            return Optional.of(lookup.find());
        } catch (LibvirtException e) {
            if (LibvirtErrors.isNotFound(e)) {
                return Optional.empty();
            }
            throw e;
        }
    }

    /** Like {@link #call} but lets the LibvirtException through, for callers that inspect error codes. */
    <T> T callRaw(LibvirtCall<T> call) throws LibvirtException {
        Connect current = current();
        try {
            return call.apply(current);
        } catch (LibvirtException e) {
            if (!LibvirtErrors.isConnectionLost(e) && isAlive(current)) {
                throw e;
            }
            return call.apply(reconnect(current));
        }
    }

    private synchronized Connect current() {
        if (connect == null) {
            connect = open();
        }
        return connect;
    }

    private synchronized Connect reconnect(Connect broken) {
        if (connect == broken) {
            try {
                broken.close();
            } catch (LibvirtException ignored) {
                // already dead
            }
            connect = null;
            connect = open();
            LOG.info("reconnected to libvirt at {}", UriPasswords.redact(uri));
        }
        return connect;
    }

    private static boolean isAlive(Connect c) {
        try {
            return c.isAlive();
        } catch (LibvirtException e) {
            return false;
        }
    }

    @Override
    public synchronized void close() {
        if (connect != null) {
            try {
                connect.close();
            } catch (LibvirtException e) {
                LOG.debug("closing libvirt connection: {}", LibvirtErrors.message(e));
            }
            connect = null;
        }
    }
}
