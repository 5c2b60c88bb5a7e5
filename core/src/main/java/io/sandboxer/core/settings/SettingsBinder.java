package io.sandboxer.core.settings;

import com.fasterxml.jackson.annotation.JsonAlias;
import com.fasterxml.jackson.annotation.JsonCreator;
import com.fasterxml.jackson.annotation.JsonProperty;
import com.fasterxml.jackson.core.JacksonException;
import com.fasterxml.jackson.core.JsonParser;
import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.DeserializationContext;
import com.fasterxml.jackson.databind.DeserializationFeature;
import com.fasterxml.jackson.databind.JavaType;
import com.fasterxml.jackson.databind.JsonDeserializer;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.MapperFeature;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.json.JsonMapper;
import com.fasterxml.jackson.databind.module.SimpleModule;
import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import io.sandboxer.core.credentials.Secret;
import java.io.IOException;
import java.lang.reflect.Constructor;
import java.lang.reflect.InvocationTargetException;
import java.lang.reflect.Modifier;
import java.lang.reflect.ParameterizedType;
import java.lang.reflect.RecordComponent;
import java.lang.reflect.Type;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Collection;
import java.util.HashSet;
import java.util.Iterator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;
import java.util.regex.Pattern;
import java.util.stream.Collectors;

/**
 * Binds JSON settings (snake_case names) into records and validates them, reporting <em>every</em> problem
 * at once: unknown fields (with a "did you mean" hint), wrong types, values a record constructor rejects,
 * and whatever a {@link Validated} record reports. Each {@link Violation} names the field path, the value
 * (secrets masked) and what is allowed.
 *
 * <p>Nested records are bound field by field, so problems deep inside are found too. A record that declares a
 * {@link JsonCreator} (such as {@code Quantity}) is a single value, not a nested group.
 */
public final class SettingsBinder {
    private static final int MAX_RENDERED_LENGTH = 80;
    private static final ObjectMapper MAPPER = strictMapper();
    /** Unknown fields are shown with their value, unless the name suggests a secret (a misspelt "password"). */
    private static final Pattern SECRET_LOOKING =
            Pattern.compile("(?i)pass|secret|token|key|cred");

    public <T extends Record> T bind(String json, Class<T> type, String path) {
        return bind(parse(json, path), type, path);
    }

    /**
     * Reads settings text as every adapter must: strictly (a duplicate key is an error, not "the last one wins"),
     * with a message that names {@code path} and the line and column; empty text is an empty object.
     */
    public static JsonNode parse(String json, String path) {
        try {
            return json == null || json.isBlank() ? JsonNodeFactory.instance.objectNode() : MAPPER.readTree(json);
        } catch (JsonProcessingException e) {
            String where = e.getLocation() == null ? "" : " (line " + e.getLocation().getLineNr() + ", column " + e.getLocation().getColumnNr() + ")";
            throw SettingsException.single(path.isEmpty() ? "settings" : path, null, "is not valid JSON" + where + ": " + e.getOriginalMessage());
        }
    }

    public <T extends Record> T bind(JsonNode node, Class<T> type, String path) {
        List<Violation> violations = new ArrayList<>();
        T result = bindRecord(node, type, path, violations);
        if (!violations.isEmpty()) {
            throw new SettingsException(violations);
        }
        return result;
    }

    /** Two records bound from one JSON object, each from its own keys (a group envelope and a backend's settings). */
    public record Both<A, B>(A first, B second) {
    }

    /**
     * Binds {@code first} and {@code second} from the same object: each record receives the keys it knows, a key neither
     * knows is an error (with a "did you mean" among both), and every problem of both is reported at once.
     */
    public <A extends Record, B extends Record> Both<A, B> bindBoth(JsonNode node, Class<A> first, Class<B> second, String path) {
        List<Violation> violations = new ArrayList<>();
        Map<String, RecordComponent> known = new LinkedHashMap<>(jsonNames(second));
        known.putAll(jsonNames(first));
        if (node != null && !node.isNull() && !node.isMissingNode() && !node.isObject()) {
            bind(node, second, path); // "must be a JSON object", said once
        }
        if (node != null && node.isObject()) {
            reportUnknownFields(node, known, List.of(first, second), path, violations);
        }
        A a = bindRecord(node, first, path, violations, false);
        B b = bindRecord(node, second, path, violations, false);
        if (!violations.isEmpty()) {
            throw new SettingsException(violations);
        }
        return new Both<>(a, b);
    }

    /** The mapper settings are read with: no coercion of strings to numbers, no floats as integers, Go durations. */
    public static ObjectMapper mapper() {
        return MAPPER;
    }

    private static ObjectMapper strictMapper() {
        SimpleModule durations = new SimpleModule("go-durations");
        durations.addDeserializer(Duration.class, new JsonDeserializer<>() {
            @Override
            public Duration deserialize(JsonParser p, DeserializationContext ctxt) throws IOException {
                if (!p.currentToken().isScalarValue() || p.currentToken().isNumeric() || p.currentToken().isBoolean()) {
                    return (Duration) ctxt.handleUnexpectedToken(Duration.class, p);
                }
                return GoDuration.parse(p.getText());
            }
        });
        return JsonMapper.builder()
                .disable(MapperFeature.ALLOW_COERCION_OF_SCALARS)
                .disable(DeserializationFeature.ACCEPT_FLOAT_AS_INT)
                .enable(DeserializationFeature.FAIL_ON_NULL_FOR_PRIMITIVES)
                .enable(DeserializationFeature.FAIL_ON_UNKNOWN_PROPERTIES)
                .enable(DeserializationFeature.FAIL_ON_TRAILING_TOKENS)
                .enable(DeserializationFeature.FAIL_ON_READING_DUP_TREE_KEY)
                .addModule(durations)
                .build();
    }

    private <T extends Record> T bindRecord(JsonNode node, Class<T> type, String path, List<Violation> violations) {
        return bindRecord(node, type, path, violations, true);
    }

    private <T extends Record> T bindRecord(JsonNode node, Class<T> type, String path, List<Violation> violations, boolean reportUnknown) {
        if (node == null || node.isNull() || node.isMissingNode()) {
            node = JsonNodeFactory.instance.objectNode();
        }
        if (!node.isObject()) {
            violations.add(new Violation(displayPath(path), render(node), "must be a JSON object with the settings "
                    + String.join(", ", jsonNames(type).keySet())));
            return null;
        }
        RecordComponent[] components = type.getRecordComponents();
        Map<String, RecordComponent> byName = jsonNames(type);
        if (reportUnknown) {
            reportUnknownFields(node, byName, List.of(type), path, violations);
        }

        Object[] arguments = new Object[components.length];
        Set<String> failed = new HashSet<>();
        for (int i = 0; i < components.length; i++) {
            RecordComponent component = components[i];
            String name = primaryName(component);
            JsonNode value = valueFor(node, component);
            String fieldPath = join(path, name);
            int before = violations.size();
            arguments[i] = bindValue(value, component.getGenericType(), component.getType(), fieldPath, violations);
            if (violations.size() > before) {
                failed.add(name);
            }
        }
        T instance = construct(type, components, arguments, path, violations);
        if (instance instanceof Validated validated) {
            Validation validation = new Validation(path, failed);
            validated.validate(validation);
            violations.addAll(validation.violations());
        }
        return instance;
    }

    private Object bindValue(JsonNode value, Type genericType, Class<?> rawType, String fieldPath, List<Violation> violations) {
        if (value == null || value.isNull() || value.isMissingNode()) {
            return defaultFor(rawType);
        }
        if (isNestedSettings(rawType)) {
            return bindRecord(value, rawType.asSubclass(Record.class), fieldPath, violations);
        }
        if (List.class.isAssignableFrom(rawType) && genericType instanceof ParameterizedType p
                && p.getActualTypeArguments()[0] instanceof Class<?> element && isNestedSettings(element)) {
            if (!value.isArray()) {
                violations.add(new Violation(fieldPath, render(value), "must be a list"));
                return null;
            }
            List<Object> items = new ArrayList<>();
            for (int i = 0; i < value.size(); i++) {
                items.add(bindRecord(value.get(i), element.asSubclass(Record.class), fieldPath + "[" + i + "]", violations));
            }
            return List.copyOf(items);
        }
        JavaType javaType = MAPPER.constructType(genericType);
        try {
            return MAPPER.readerFor(javaType).readValue(MAPPER.treeAsTokens(value));
        } catch (IOException | RuntimeException e) {
            String shown = rawType == Secret.class ? Secret.masked() : render(value);
            violations.add(new Violation(fieldPath, shown, explain(e, rawType, genericType)));
            return defaultFor(rawType);
        }
    }

    private static <T extends Record> T construct(Class<T> type, RecordComponent[] components, Object[] arguments, String path,
            List<Violation> violations) {
        try {
            Class<?>[] parameterTypes = Arrays.stream(components).map(RecordComponent::getType).toArray(Class<?>[]::new);
            Constructor<T> constructor = type.getDeclaredConstructor(parameterTypes);
            constructor.setAccessible(true);
            return constructor.newInstance(arguments);
        } catch (InvocationTargetException e) {
            Throwable cause = e.getCause();
            if (cause instanceof IllegalArgumentException || cause instanceof NullPointerException) {
                violations.add(new Violation(displayPath(path), null, String.valueOf(cause.getMessage())));
                return null;
            }
            throw new IllegalStateException("settings record " + type.getName() + " failed to construct", cause);
        } catch (ReflectiveOperationException e) {
            throw new IllegalStateException("settings record " + type.getName() + " cannot be constructed", e);
        }
    }

    private static void reportUnknownFields(JsonNode node, Map<String, RecordComponent> known, List<Class<?>> types, String path,
            List<Violation> violations) {
        Set<String> accepted = new HashSet<>(known.keySet());
        for (Class<?> type : types) {
            for (RecordComponent c : type.getRecordComponents()) {
                JsonAlias alias = c.getAccessor().getAnnotation(JsonAlias.class);
                if (alias != null) {
                    accepted.addAll(List.of(alias.value()));
                }
            }
        }
        for (Iterator<String> it = node.fieldNames(); it.hasNext(); ) {
            String field = it.next();
            if (!accepted.contains(field)) {
                String hint = closest(field, known.keySet());
                String shown = SECRET_LOOKING.matcher(field).find() ? Secret.masked() : render(node.get(field));
                violations.add(new Violation(join(path, field), shown, "it is not a known setting"
                        + (hint == null ? "" : " (did you mean \"" + hint + "\"?)")
                        + "; known settings" + (path.isEmpty() ? "" : " in " + path) + " are: " + String.join(", ", known.keySet())));
            }
        }
    }

    private static JsonNode valueFor(JsonNode node, RecordComponent component) {
        JsonNode value = node.get(primaryName(component));
        if (value == null) {
            JsonAlias alias = component.getAccessor().getAnnotation(JsonAlias.class);
            if (alias != null) {
                for (String a : alias.value()) {
                    if (node.has(a)) {
                        return node.get(a);
                    }
                }
            }
        }
        return value;
    }

    private static Map<String, RecordComponent> jsonNames(Class<?> type) {
        Map<String, RecordComponent> names = new LinkedHashMap<>();
        for (RecordComponent c : type.getRecordComponents()) {
            names.put(primaryName(c), c);
        }
        return names;
    }

    static String primaryName(RecordComponent component) {
        JsonProperty property = component.getAccessor().getAnnotation(JsonProperty.class);
        if (property != null && !property.value().isEmpty()) {
            return property.value();
        }
        return snakeCase(component.getName());
    }

    static String snakeCase(String camel) {
        StringBuilder out = new StringBuilder();
        for (char ch : camel.toCharArray()) {
            if (Character.isUpperCase(ch)) {
                out.append('_').append(Character.toLowerCase(ch));
            } else {
                out.append(ch);
            }
        }
        return out.toString();
    }

    private static boolean isNestedSettings(Class<?> type) {
        if (!type.isRecord()) {
            return false;
        }
        boolean creatorMethod = Arrays.stream(type.getDeclaredMethods())
                .anyMatch(m -> Modifier.isStatic(m.getModifiers()) && m.isAnnotationPresent(JsonCreator.class));
        boolean creatorConstructor = Arrays.stream(type.getDeclaredConstructors()).anyMatch(c -> c.isAnnotationPresent(JsonCreator.class));
        return !creatorMethod && !creatorConstructor;
    }

    private static Object defaultFor(Class<?> type) {
        if (type == boolean.class) {
            return false;
        }
        if (type == int.class) {
            return 0;
        }
        if (type == long.class) {
            return 0L;
        }
        if (type == double.class) {
            return 0.0;
        }
        return null;
    }

    private static String explain(Throwable e, Class<?> rawType, Type genericType) {
        for (Throwable t = e; t != null; t = t.getCause()) {
            if (t instanceof IllegalArgumentException && !(t instanceof JacksonException)
                    && t.getMessage() != null) {
                return t.getMessage();
            }
        }
        return "must be " + describe(rawType, genericType);
    }

    /** Words for what a field of this type accepts. */
    static String describe(Class<?> type, Type genericType) {
        if (type == Integer.class || type == int.class || type == Long.class || type == long.class) {
            return "a whole number";
        }
        if (type == Double.class || type == double.class) {
            return "a number";
        }
        if (type == Boolean.class || type == boolean.class) {
            return "true or false";
        }
        if (type == String.class || type == Secret.class) {
            return "a string";
        }
        if (type == Duration.class) {
            return GoDuration.ALLOWED;
        }
        if (type.isEnum()) {
            return "one of " + Arrays.stream(type.getEnumConstants()).map(SettingsBinder::jsonValueOf).collect(Collectors.joining(", "));
        }
        if (Collection.class.isAssignableFrom(type)) {
            String element = genericType instanceof ParameterizedType p && p.getActualTypeArguments()[0] instanceof Class<?> c
                    ? describe(c, c) : "values";
            return "a list of " + (element.startsWith("a ") ? element.substring(2) + "s" : element);
        }
        if (Map.class.isAssignableFrom(type)) {
            return "an object of string keys and values";
        }
        return "a valid " + type.getSimpleName();
    }

    private static String jsonValueOf(Object enumConstant) {
        try {
            return MAPPER.writeValueAsString(enumConstant).replace("\"", "");
        } catch (JsonProcessingException e) {
            return enumConstant.toString();
        }
    }

    /** Renders a value for an error message: JSON notation, secrets masked, long values shortened. */
    public static String render(Object value) {
        if (value instanceof Secret) {
            return Secret.masked();
        }
        String text;
        try {
            text = value instanceof JsonNode node ? MAPPER.writeValueAsString(node)
                    : value instanceof String || value instanceof Number || value instanceof Boolean ? MAPPER.writeValueAsString(value)
                    : String.valueOf(value);
        } catch (JsonProcessingException e) {
            text = String.valueOf(value);
        }
        return text.length() > MAX_RENDERED_LENGTH ? text.substring(0, MAX_RENDERED_LENGTH) + "…" : text;
    }

    /** The known name a misspelt one most likely meant: one sharing its first four letters, else one within a few edits. */
    private static String closest(String field, Collection<String> known) {
        String lower = field.toLowerCase(Locale.ROOT);
        String prefix = lower.length() >= 4 ? lower.substring(0, 4) : null;
        String best = null;
        int bestDistance = Integer.MAX_VALUE;
        boolean bestSharesPrefix = false;
        for (String candidate : known) {
            int d = distance(lower, candidate);
            boolean sharesPrefix = prefix != null && candidate.startsWith(prefix);
            if ((sharesPrefix && !bestSharesPrefix) || (sharesPrefix == bestSharesPrefix && d < bestDistance)) {
                best = candidate;
                bestDistance = d;
                bestSharesPrefix = sharesPrefix;
            }
        }
        if (best == null) {
            return null;
        }
        return bestSharesPrefix || bestDistance <= Math.max(2, field.length() / 4) ? best : null;
    }

    private static int distance(String a, String b) {
        int[] previous = new int[b.length() + 1];
        int[] current = new int[b.length() + 1];
        for (int j = 0; j <= b.length(); j++) {
            previous[j] = j;
        }
        for (int i = 1; i <= a.length(); i++) {
            current[0] = i;
            for (int j = 1; j <= b.length(); j++) {
                int cost = a.charAt(i - 1) == b.charAt(j - 1) ? 0 : 1;
                current[j] = Math.min(Math.min(current[j - 1] + 1, previous[j] + 1), previous[j - 1] + cost);
            }
            int[] swap = previous;
            previous = current;
            current = swap;
        }
        return previous[b.length()];
    }

    private static String join(String path, String name) {
        return path.isEmpty() ? name : path + "." + name;
    }

    private static String displayPath(String path) {
        return path.isEmpty() ? "settings" : path;
    }
}
