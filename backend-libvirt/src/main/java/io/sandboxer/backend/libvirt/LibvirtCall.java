package io.sandboxer.backend.libvirt;

import org.libvirt.Connect;
import org.libvirt.LibvirtException;

/** One piece of work against a libvirt connection. */
@FunctionalInterface
interface LibvirtCall<T> {
    T apply(Connect connect) throws LibvirtException;
}
