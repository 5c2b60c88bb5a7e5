// fleetingclient drives a Fleeting plugin the way GitLab Runner does: through HashiCorp go-plugin's own client
// (handshake, optional AutoMTLS, health ping, controller shutdown on Kill) and InstanceGroup stubs generated
// from sandboxer's fleeting.proto. Each step prints one JSON line on stdout; a failure prints an "error" field
// and exits 1. Built by it-tests in GOPATH mode from Debian's Go packages only.
package main

import (
	"context"
	"encoding/json"
	"flag"
	"fmt"
	"io/ioutil"
	"os"
	"os/exec"
	"time"

	hclog "github.com/hashicorp/go-hclog"
	plugin "github.com/hashicorp/go-plugin"
	"google.golang.org/grpc"

	pb "sandboxer/fleetingclient/fleeting"
)

// raw dispenses the plugin's gRPC connection itself, so any service on it can be called.
type raw struct{ plugin.Plugin }

func (raw) GRPCServer(*plugin.GRPCBroker, *grpc.Server) error { return nil }
func (raw) GRPCClient(ctx context.Context, b *plugin.GRPCBroker, c *grpc.ClientConn) (interface{}, error) {
	return c, nil
}

func emit(step string, fields map[string]interface{}) {
	fields["step"] = step
	line, _ := json.Marshal(fields)
	fmt.Println(string(line))
}

var current *plugin.Client

// fail reports the step's error, stops the plugin (os.Exit skips deferred calls) and exits 1.
func fail(step string, err error) {
	emit(step, map[string]interface{}{"error": err.Error()})
	if current != nil {
		current.Kill()
	}
	os.Exit(1)
}

func main() {
	pluginPath := flag.String("plugin", "", "plugin executable")
	configPath := flag.String("config", "", "plugin_config JSON file")
	keyPath := flag.String("key", "", "connector private key file")
	autoMTLS := flag.Bool("automtls", false, "use go-plugin AutoMTLS")
	flag.Parse()

	config, err := ioutil.ReadFile(*configPath)
	if err != nil {
		fail("setup", err)
	}
	key, err := ioutil.ReadFile(*keyPath)
	if err != nil {
		fail("setup", err)
	}
	client := plugin.NewClient(&plugin.ClientConfig{
		HandshakeConfig:  plugin.HandshakeConfig{ProtocolVersion: 1, MagicCookieKey: "SANDBOXER_TEST_HOST", MagicCookieValue: "fleetingclient"},
		Plugins:          plugin.PluginSet{"instancegroup": &raw{}},
		Cmd:              exec.Command(*pluginPath),
		AllowedProtocols: []plugin.Protocol{plugin.ProtocolGRPC},
		AutoMTLS:         *autoMTLS,
		Logger:           hclog.New(&hclog.LoggerOptions{Name: "host", Output: os.Stderr, Level: hclog.Debug}),
	})
	current = client
	defer client.Kill()

	rpc, err := client.Client()
	if err != nil {
		fail("start", err)
	}
	emit("start", map[string]interface{}{"protocol": string(client.Protocol()), "negotiated_version": client.NegotiatedVersion()})
	if err := rpc.Ping(); err != nil {
		fail("ping", err)
	}
	emit("ping", map[string]interface{}{"ok": true})
	dispensed, err := rpc.Dispense("instancegroup")
	if err != nil {
		fail("dispense", err)
	}
	ig := pb.NewInstanceGroupClient(dispensed.(*grpc.ClientConn))
	ctx, cancel := context.WithTimeout(context.Background(), 3*time.Minute)
	defer cancel()

	init, err := ig.Init(ctx, &pb.InitRequest{Config: config, Settings: &pb.ConnectorConfig{
		Os: "linux", Arch: "amd64", Protocol: "ssh", Username: "core", Key: key, UseStaticCredentials: true}})
	if err != nil {
		fail("init", err)
	}
	emit("init", map[string]interface{}{"id": init.Info.Id, "max_size": init.Info.MaxSize, "version": init.Info.Version})

	inc, err := ig.Increase(ctx, &pb.IncreaseRequest{Delta: 2})
	if err != nil {
		fail("increase", err)
	}
	emit("increase", map[string]interface{}{"succeeded": inc.Succeeded, "error": inc.Error})

	upd, err := ig.Update(ctx, &pb.UpdateRequest{})
	if err != nil {
		fail("update", err)
	}
	var ids []string
	states := map[string]string{}
	for _, i := range upd.Instances {
		ids = append(ids, i.Id)
		states[i.Id] = i.State.String()
	}
	emit("update", map[string]interface{}{"instances": states})
	if len(ids) == 0 {
		fail("update", fmt.Errorf("no instances reported"))
	}

	ci, err := ig.ConnectInfo(ctx, &pb.ConnectInfoRequest{Id: ids[0]})
	if err != nil {
		fail("connectinfo", err)
	}
	emit("connectinfo", map[string]interface{}{"id": ci.Id, "internal_addr": ci.InternalAddr, "username": ci.Config.Username,
		"protocol": ci.Config.Protocol, "port": ci.Config.ProtocolPort, "has_key": len(ci.Config.Key) > 0})

	if _, err := ig.Heartbeat(ctx, &pb.HeartbeatRequest{Id: ids[0]}); err != nil {
		fail("heartbeat", err)
	}
	emit("heartbeat", map[string]interface{}{"ok": true})

	dec, err := ig.Decrease(ctx, &pb.DecreaseRequest{Ids: ids})
	if err != nil {
		fail("decrease", err)
	}
	emit("decrease", map[string]interface{}{"succeeded": dec.Succeeded, "error": dec.Error})

	if _, err := ig.Shutdown(ctx, &pb.ShutdownRequest{}); err != nil {
		fail("shutdown", err)
	}
	emit("shutdown", map[string]interface{}{"ok": true})

	client.Kill() // GRPCController.Shutdown, then waits for the process
	emit("kill", map[string]interface{}{"exited": client.Exited()})
}
