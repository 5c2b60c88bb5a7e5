package io.sandboxer.core.model;

import com.fasterxml.jackson.annotation.JsonCreator;
import com.fasterxml.jackson.annotation.JsonValue;
import java.math.BigDecimal;
import java.math.RoundingMode;
import java.util.Map;
import java.util.Objects;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * An amount in the Kubernetes quantity notation ({@code 500m}, {@code 2}, {@code 4Gi}, {@code 1G}), kept
 * exactly as written and as a number of base units (cores or bytes). Both backends read the same values:
 * KubeVirt passes the text on, libvirt converts to vCPUs, MiB and GiB.
 */
public record Quantity(String text, BigDecimal amount) implements Comparable<Quantity> {
    private static final Pattern FORMAT = Pattern.compile("^([0-9]+(?:\\.[0-9]+)?)(m|k|M|G|T|P|E|Ki|Mi|Gi|Ti|Pi|Ei)?$");
    private static final Map<String, BigDecimal> SUFFIXES = Map.ofEntries(
            Map.entry("m", new BigDecimal("0.001")),
            Map.entry("k", BigDecimal.TEN.pow(3)),
            Map.entry("M", BigDecimal.TEN.pow(6)),
            Map.entry("G", BigDecimal.TEN.pow(9)),
            Map.entry("T", BigDecimal.TEN.pow(12)),
            Map.entry("P", BigDecimal.TEN.pow(15)),
            Map.entry("E", BigDecimal.TEN.pow(18)),
            Map.entry("Ki", BigDecimal.valueOf(2).pow(10)),
            Map.entry("Mi", BigDecimal.valueOf(2).pow(20)),
            Map.entry("Gi", BigDecimal.valueOf(2).pow(30)),
            Map.entry("Ti", BigDecimal.valueOf(2).pow(40)),
            Map.entry("Pi", BigDecimal.valueOf(2).pow(50)),
            Map.entry("Ei", BigDecimal.valueOf(2).pow(60)));
    private static final BigDecimal MIB = BigDecimal.valueOf(2).pow(20);
    private static final BigDecimal GIB = BigDecimal.valueOf(2).pow(30);

    public Quantity {
        Objects.requireNonNull(text, "text");
        Objects.requireNonNull(amount, "amount");
    }

    /** Parses {@code 500m}, {@code 2}, {@code 1.5}, {@code 4Gi}, {@code 512Mi}, {@code 10G}. */
    @JsonCreator
    public static Quantity parse(String text) {
        Matcher m = FORMAT.matcher(text == null ? "" : text.trim());
        if (!m.matches()) {
            throw new IllegalArgumentException("\"" + text
                    + "\" is not a quantity: write a number with an optional suffix such as 500m, 2, 512Mi, 4Gi or 10G");
        }
        BigDecimal number = new BigDecimal(m.group(1));
        BigDecimal factor = m.group(2) == null ? BigDecimal.ONE : SUFFIXES.get(m.group(2));
        return new Quantity(text.trim(), number.multiply(factor));
    }

    public static Quantity ofMebibytes(long mib) {
        return new Quantity(mib + "Mi", MIB.multiply(BigDecimal.valueOf(mib)));
    }

    public static Quantity ofGibibytes(long gib) {
        return new Quantity(gib + "Gi", GIB.multiply(BigDecimal.valueOf(gib)));
    }

    public static Quantity ofCores(long cores) {
        return new Quantity(Long.toString(cores), BigDecimal.valueOf(cores));
    }

    /** Whole cores, rounded up: a VM cannot have half a vCPU. */
    public int wholeCoresRoundedUp() {
        return amount.setScale(0, RoundingMode.CEILING).intValueExact();
    }

    public long mebibytesRoundedUp() {
        return amount.divide(MIB, 0, RoundingMode.CEILING).longValueExact();
    }

    public long gibibytesRoundedUp() {
        return amount.divide(GIB, 0, RoundingMode.CEILING).longValueExact();
    }

    @JsonValue
    @Override
    public String text() {
        return text;
    }

    @Override
    public int compareTo(Quantity other) {
        return amount.compareTo(other.amount);
    }

    @Override
    public String toString() {
        return text;
    }
}
