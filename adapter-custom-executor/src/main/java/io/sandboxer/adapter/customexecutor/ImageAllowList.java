package io.sandboxer.adapter.customexecutor;

import java.util.ArrayList;
import java.util.List;
import java.util.Objects;
import java.util.regex.Pattern;

/**
 * Which images a job may ask for with {@code image:} ({@code CUSTOM_ENV_CI_JOB_IMAGE}): the images the runner's
 * configuration names (the default image, the backend settings' image) and those matching an
 * {@code --allowed-image} glob ({@code *} any text, {@code ?} one character). Anything else would let a job boot
 * whatever the pool or the registry holds, another job's disk included.
 */
record ImageAllowList(List<String> configured, List<String> patterns) {

    ImageAllowList {
        configured = configured.stream().filter(Objects::nonNull).filter(s -> !s.isBlank()).toList();
        patterns = List.copyOf(patterns);
    }

    boolean allows(String image) {
        return configured.contains(image) || patterns.stream().anyMatch(p -> glob(p).matcher(image).matches());
    }

    /** Refuses an image the runner does not allow, naming the variable, the value and what is allowed. */
    String check(String image, String variable) {
        if (!allows(image)) {
            List<String> allowed = new ArrayList<>(configured);
            patterns.forEach(p -> allowed.add("pattern " + p));
            throw new StageException(variable + " \"" + image + "\" is not allowed: the runner allows "
                    + (allowed.isEmpty() ? "no job-chosen image" : String.join(", ", allowed))
                    + " (an operator adds more with prepare --allowed-image PATTERN)");
        }
        return image;
    }

    static Pattern glob(String pattern) {
        StringBuilder regex = new StringBuilder();
        for (char c : pattern.toCharArray()) {
            switch (c) {
                case '*' -> regex.append(".*");
                case '?' -> regex.append('.');
                default -> regex.append(Pattern.quote(String.valueOf(c)));
            }
        }
        return Pattern.compile(regex.toString());
    }
}
