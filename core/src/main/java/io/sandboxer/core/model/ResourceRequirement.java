package io.sandboxer.core.model;

/**
 * A request and a limit for one resource. Backends without the distinction (libvirt) use the limit when
 * set, else the request. Either may be null; when both are set the request must not exceed the limit.
 */
public record ResourceRequirement(Quantity request, Quantity limit) {
    public ResourceRequirement {
        if (request != null && limit != null && request.compareTo(limit) > 0) {
            throw new IllegalArgumentException("request " + request + " is larger than limit " + limit);
        }
    }

    public static ResourceRequirement of(Quantity amount) {
        return new ResourceRequirement(amount, amount);
    }

    public static ResourceRequirement none() {
        return new ResourceRequirement(null, null);
    }

    /** The amount a fixed-size machine gets: the limit, else the request, else null. */
    public Quantity effective() {
        return limit != null ? limit : request;
    }

    public boolean isSet() {
        return request != null || limit != null;
    }
}
