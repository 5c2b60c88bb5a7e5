package io.sandboxer.adapter.customexecutor;

import com.fasterxml.jackson.databind.node.ObjectNode;
import java.util.ArrayList;
import java.util.List;
import java.util.function.Consumer;
import java.util.regex.Pattern;

/**
 * One row of a bad-input table: a bad setting (a change to the settings JSON), driver flags or job variables, and
 * the words the refusal must hold (the setting's, flag's or variable's name first, then what is allowed).
 */
public record BadInput(String what, Consumer<ObjectNode> settings, List<String> flags, List<String[]> job, List<String> expected) {
    /** A Java class name as it would leak into a message: {@code java.nio.file.NoSuchFileException}, {@code …Exception}. */
    public static final Pattern CLASS_NAME = Pattern.compile("\\b(java|javax|org|io|com)\\.[a-z]+\\.[A-Za-z.]*[A-Z]\\w*|\\w+Exception\\b");

    public static BadInput setting(String what, Consumer<ObjectNode> settings, String... expected) {
        return new BadInput(what, settings, List.of(), List.of(), List.of(expected));
    }

    public static BadInput flag(String what, List<String> flags, String... expected) {
        return new BadInput(what, s -> { }, flags, List.of(), List.of(expected));
    }

    public static BadInput job(String variable, String value, String... expected) {
        return new BadInput(variable + "=" + value, s -> { }, List.of(), List.<String[]>of(new String[] {variable, value}), List.of(expected));
    }

    /** The job's variables set on the runner. */
    public RunnerEmulator applyTo(RunnerEmulator runner) {
        job.forEach(v -> runner.job(v[0], v[1]));
        return runner;
    }

    /** Problems with a refusal's wording: a missing expected word, a class name. Empty when it is well worded. */
    public List<String> problemsWith(String message) {
        List<String> problems = new ArrayList<>();
        expected.stream().filter(e -> !message.contains(e)).forEach(e -> problems.add("does not name \"" + e + "\""));
        if (CLASS_NAME.matcher(message).find()) {
            problems.add("shows a Java class name");
        }
        return problems;
    }

    @Override
    public String toString() {
        return what;
    }
}
