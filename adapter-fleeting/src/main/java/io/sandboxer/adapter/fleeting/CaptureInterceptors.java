package io.sandboxer.adapter.fleeting;

import com.google.protobuf.Message;
import io.grpc.ForwardingServerCallListener;
import io.grpc.HandlerRegistry;
import io.grpc.Metadata;
import io.grpc.MethodDescriptor;
import io.grpc.ServerCall;
import io.grpc.ServerCallHandler;
import io.grpc.ServerInterceptor;
import io.grpc.ServerMethodDefinition;
import io.grpc.Status;
import io.grpc.stub.ServerCalls;
import java.io.ByteArrayInputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;

/** Wiring of capture mode into the gRPC server: an interceptor for the known services, a fallback for everything else. */
final class CaptureInterceptors {
    private CaptureInterceptors() {
    }

    /** Records each request of a known method with its schema (unknown fields survive in proto3) and then serves it. */
    static ServerInterceptor knownMethods(CaptureLog log) {
        return new ServerInterceptor() {
            @Override
            public <Q, R> ServerCall.Listener<Q> interceptCall(ServerCall<Q, R> call, Metadata headers, ServerCallHandler<Q, R> next) {
                String method = call.getMethodDescriptor().getFullMethodName();
                return new ForwardingServerCallListener.SimpleForwardingServerCallListener<>(next.startCall(call, headers)) {
                    @Override
                    public void onMessage(Q message) {
                        if (message instanceof Message m) {
                            log.record(method, m, "served");
                        } else {
                            log.record(method, new byte[0], "served (not a protobuf message)");
                        }
                        super.onMessage(message);
                    }
                };
            }
        };
    }

    /** Accepts any method the server does not know, records its request, and answers UNIMPLEMENTED. */
    static HandlerRegistry unknownMethods(CaptureLog log) {
        return new HandlerRegistry() {
            @Override
            public ServerMethodDefinition<?, ?> lookupMethod(String methodName, String authority) {
                MethodDescriptor<byte[], byte[]> descriptor = MethodDescriptor.<byte[], byte[]>newBuilder()
                        .setType(MethodDescriptor.MethodType.UNKNOWN)
                        .setFullMethodName(methodName)
                        .setRequestMarshaller(RAW)
                        .setResponseMarshaller(RAW)
                        .build();
                return ServerMethodDefinition.create(descriptor, ServerCalls.asyncBidiStreamingCall(response -> new io.grpc.stub.StreamObserver<>() {
                    @Override
                    public void onNext(byte[] request) {
                        log.record(methodName, request, "UNIMPLEMENTED (not in fleeting.proto)");
                    }

                    @Override
                    public void onError(Throwable t) {
                    }

                    @Override
                    public void onCompleted() {
                        response.onError(Status.UNIMPLEMENTED.withDescription("capture mode: " + methodName + " is not in fleeting.proto")
                                .asRuntimeException());
                    }
                }));
            }
        };
    }

    static final MethodDescriptor.Marshaller<byte[]> RAW = new MethodDescriptor.Marshaller<>() {
        @Override
        public InputStream stream(byte[] value) {
            return new ByteArrayInputStream(value);
        }

        @Override
        public byte[] parse(InputStream stream) {
            try {
                return stream.readAllBytes();
            } catch (IOException e) {
                throw new UncheckedIOException(e);
            }
        }
    };
}
