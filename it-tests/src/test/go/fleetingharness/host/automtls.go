package main

import (
	"context"
	"fmt"
	"io"

	"github.com/hashicorp/go-plugin"
	"google.golang.org/grpc"
	"google.golang.org/protobuf/reflect/protoreflect"
	"google.golang.org/protobuf/reflect/protoregistry"
	"google.golang.org/protobuf/types/dynamicpb"
)

// fleeting's go-plugin handshake (internal/plugin/plugin.go, not importable): app version 0, its magic cookie.
var fleetingHandshake = plugin.HandshakeConfig{
	ProtocolVersion:  0,
	MagicCookieKey:   "FLEETING_INSTANCE_GROUP_PLUGIN",
	MagicCookieValue: "4c6410b1-cb78-4962-8c76-ab936d0ea908",
}

// rawConn dispenses the plugin's gRPC connection itself.
type rawConn struct{ plugin.NetRPCUnsupportedPlugin }

func (rawConn) GRPCServer(*plugin.GRPCBroker, *grpc.Server) error { return nil }
func (rawConn) GRPCClient(_ context.Context, _ *plugin.GRPCBroker, c *grpc.ClientConn) (any, error) {
	return c, nil
}

// dynamicGroup calls proto.InstanceGroup with messages built from the descriptor the fleeting module registers.
type dynamicGroup struct {
	conn    *grpc.ClientConn
	service protoreflect.ServiceDescriptor
}

func (g dynamicGroup) call(ctx context.Context, name protoreflect.Name, set func(*dynamicpb.Message)) *dynamicpb.Message {
	method := g.service.Methods().ByName(name)
	req, resp := dynamicpb.NewMessage(method.Input()), dynamicpb.NewMessage(method.Output())
	if set != nil {
		set(req)
	}
	if err := g.conn.Invoke(ctx, "/proto.InstanceGroup/"+string(name), req, resp); err != nil {
		fail(string(name), err)
	}
	return resp
}

func field(m *dynamicpb.Message, name protoreflect.Name) protoreflect.FieldDescriptor {
	return m.Descriptor().Fields().ByName(name)
}

func autoMTLS(ctx context.Context, h *host) {
	desc, err := protoregistry.GlobalFiles.FindDescriptorByName("proto.InstanceGroup")
	if err != nil {
		fail("setup", fmt.Errorf("the fleeting module registers no proto.InstanceGroup: %w", err))
	}
	client := plugin.NewClient(&plugin.ClientConfig{
		HandshakeConfig:  fleetingHandshake,
		VersionedPlugins: map[int]plugin.PluginSet{0: {"instancegroup": &rawConn{}}},
		Cmd:              execCommand(h.plugin),
		AllowedProtocols: []plugin.Protocol{plugin.ProtocolGRPC},
		AutoMTLS:         true,
		Logger:           h.log.Named("fleeting-plugin"),
	})
	defer client.Kill()
	rpc, err := client.Client()
	if err != nil {
		fail("start", err)
	}
	if err := rpc.Ping(); err != nil {
		fail("ping", err)
	}
	raw, err := rpc.Dispense("instancegroup")
	if err != nil {
		fail("dispense", err)
	}
	emit("start", map[string]any{"protocol": string(client.Protocol()), "negotiated_version": client.NegotiatedVersion()})
	g := dynamicGroup{conn: raw.(*grpc.ClientConn), service: desc.(protoreflect.ServiceDescriptor)}

	init := g.call(ctx, "Init", func(m *dynamicpb.Message) {
		m.Set(field(m, "config"), protoreflect.ValueOfBytes(h.config))
		settings := m.Mutable(field(m, "settings")).Message()
		cc := settings.Mutable(settings.Descriptor().Fields().ByName("connector_config")).Message()
		cc.Set(cc.Descriptor().Fields().ByName("username"), protoreflect.ValueOfString(h.settings.Username))
		cc.Set(cc.Descriptor().Fields().ByName("key"), protoreflect.ValueOfBytes(h.settings.Key))
	})
	emit("init", map[string]any{"id": init.Get(field(init, "id")).String(), "max_size": init.Get(field(init, "max_size")).Uint()})

	inc := g.call(ctx, "Increase", func(m *dynamicpb.Message) { m.Set(field(m, "n"), protoreflect.ValueOfUint32(1)) })
	emit("increase", map[string]any{"succeeded": inc.Get(field(inc, "succeeded")).Uint()})

	update := g.service.Methods().ByName("Update")
	stream, err := g.conn.NewStream(ctx, &grpc.StreamDesc{ServerStreams: true}, "/proto.InstanceGroup/Update")
	if err != nil {
		fail("update", err)
	}
	if err := stream.SendMsg(dynamicpb.NewMessage(update.Input())); err != nil {
		fail("update", err)
	}
	if err := stream.CloseSend(); err != nil {
		fail("update", err)
	}
	states := map[string]string{}
	for {
		resp := dynamicpb.NewMessage(update.Output())
		if err := stream.RecvMsg(resp); err == io.EOF {
			break
		} else if err != nil {
			fail("update", err)
		}
		state := resp.Descriptor().Fields().ByName("state")
		name := state.Enum().Values().ByNumber(resp.Get(state).Enum()).Name()
		states[resp.Get(field(resp, "instance")).String()] = string(name)
	}
	emit("update", map[string]any{"instances": states})

	dec := g.call(ctx, "Decrease", func(m *dynamicpb.Message) {
		list := m.Mutable(field(m, "instances")).List()
		for _, id := range ids(states) {
			list.Append(protoreflect.ValueOfString(id))
		}
	})
	emit("decrease", map[string]any{"succeeded": dec.Get(field(dec, "succeeded")).List().Len()})
	g.call(ctx, "Shutdown", nil)
	emit("shutdown", map[string]any{"ok": true})
	client.Kill()
	emit("kill", map[string]any{"exited": client.Exited()})
}
