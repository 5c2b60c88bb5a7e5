package io.sandboxer.it.fleeting;

import com.google.protobuf.DescriptorProtos.DescriptorProto;
import com.google.protobuf.DescriptorProtos.EnumDescriptorProto;
import com.google.protobuf.DescriptorProtos.EnumValueDescriptorProto;
import com.google.protobuf.DescriptorProtos.FieldDescriptorProto;
import com.google.protobuf.DescriptorProtos.FileDescriptorProto;
import com.google.protobuf.DescriptorProtos.MethodDescriptorProto;
import com.google.protobuf.DescriptorProtos.ServiceDescriptorProto;
import java.util.ArrayList;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Set;
import java.util.function.Function;
import java.util.stream.Collectors;

/**
 * Every difference that matters on the wire (and for readers of the schema) between two proto files: package,
 * syntax, imports, each message's fields (name, number, type, label, message/enum type, oneof, proto3 optional),
 * nested messages and enums, enum values, and each service's methods (input, output, client/server streaming).
 * File name, options (go_package against java_package) and JSON names are not compared: none of them travels.
 */
final class ProtoSchemaDiff {
    private final List<String> differences = new ArrayList<>();

    private ProtoSchemaDiff() {
    }

    /** The differences, each naming the element and both values; empty when the schemas are wire-identical. */
    static List<String> between(FileDescriptorProto expected, FileDescriptorProto actual) {
        ProtoSchemaDiff diff = new ProtoSchemaDiff();
        diff.compare("package", expected.getPackage(), actual.getPackage());
        diff.compare("syntax", expected.getSyntax(), actual.getSyntax());
        diff.compare("imports", expected.getDependencyList(), actual.getDependencyList());
        diff.each("message", expected.getMessageTypeList(), actual.getMessageTypeList(), DescriptorProto::getName, diff::message);
        diff.each("enum", expected.getEnumTypeList(), actual.getEnumTypeList(), EnumDescriptorProto::getName, diff::enumeration);
        diff.each("service", expected.getServiceList(), actual.getServiceList(), ServiceDescriptorProto::getName, diff::service);
        return List.copyOf(diff.differences);
    }

    private void message(String path, DescriptorProto expected, DescriptorProto actual) {
        each(path + " field", expected.getFieldList(), actual.getFieldList(), FieldDescriptorProto::getName, this::field);
        each(path + " message", expected.getNestedTypeList(), actual.getNestedTypeList(), DescriptorProto::getName, this::message);
        each(path + " enum", expected.getEnumTypeList(), actual.getEnumTypeList(), EnumDescriptorProto::getName, this::enumeration);
        compare(path + " oneofs", expected.getOneofDeclList().stream().map(o -> o.getName()).toList(),
                actual.getOneofDeclList().stream().map(o -> o.getName()).toList());
    }

    private void field(String path, FieldDescriptorProto expected, FieldDescriptorProto actual) {
        compare(path + " number", expected.getNumber(), actual.getNumber());
        compare(path + " type", expected.getType(), actual.getType());
        compare(path + " label", expected.getLabel(), actual.getLabel());
        compare(path + " type name", expected.getTypeName(), actual.getTypeName());
        compare(path + " oneof", expected.hasOneofIndex() ? expected.getOneofIndex() : null, actual.hasOneofIndex() ? actual.getOneofIndex() : null);
        compare(path + " proto3 optional", expected.getProto3Optional(), actual.getProto3Optional());
    }

    private void enumeration(String path, EnumDescriptorProto expected, EnumDescriptorProto actual) {
        each(path + " value", expected.getValueList(), actual.getValueList(), EnumValueDescriptorProto::getName,
                (p, e, a) -> compare(p + " number", e.getNumber(), a.getNumber()));
    }

    private void service(String path, ServiceDescriptorProto expected, ServiceDescriptorProto actual) {
        each(path + " method", expected.getMethodList(), actual.getMethodList(), MethodDescriptorProto::getName, (p, e, a) -> {
            compare(p + " input", e.getInputType(), a.getInputType());
            compare(p + " output", e.getOutputType(), a.getOutputType());
            compare(p + " client streaming", e.getClientStreaming(), a.getClientStreaming());
            compare(p + " server streaming", e.getServerStreaming(), a.getServerStreaming());
        });
    }

    private interface Pair<T> {
        void compare(String path, T expected, T actual);
    }

    /** Matches elements by name (order is not on the wire), reports missing and extra ones, compares the rest. */
    private <T> void each(String kind, List<T> expected, List<T> actual, Function<T, String> name, Pair<T> compare) {
        Map<String, T> want = expected.stream().collect(Collectors.toMap(name, e -> e));
        Map<String, T> have = actual.stream().collect(Collectors.toMap(name, e -> e));
        Set<String> names = new LinkedHashSet<>(want.keySet());
        names.addAll(have.keySet());
        for (String n : names) {
            String path = kind + " " + n;
            if (!have.containsKey(n)) {
                differences.add(path + ": missing (upstream has it)");
            } else if (!want.containsKey(n)) {
                differences.add(path + ": not upstream");
            } else {
                compare.compare(path, want.get(n), have.get(n));
            }
        }
    }

    private void compare(String path, Object expected, Object actual) {
        if (!Objects.equals(expected, actual)) {
            differences.add(path + ": upstream " + expected + ", ours " + actual);
        }
    }
}
