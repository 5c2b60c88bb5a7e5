// fleetingclient drives a Fleeting plugin the way GitLab Runner does: through HashiCorp go-plugin's own client
// (handshake, optional AutoMTLS, health ping, controller shutdown on Kill) and InstanceGroup stubs generated
// from sandboxer's fleeting.proto. Each step prints one JSON line on stdout; a failure prints an "error" field
// and exits 1. Built by it-tests in GOPATH mode from Debian's Go packages only.
//
// Scenarios (-scenario):
//
//	calls    every InstanceGroup method once, without waiting for guests (default)
//	lifecycle Increase(2), Update until both run, ConnectInfo for each (with the key, for the caller's SSH login),
//	         then waits for a line on stdin before Decrease, Update until none is left, Shutdown
//	crash    Increase(2) after printing the plugin's pid (the caller SIGKILLs it), then a new plugin process:
//	         Init, Update (what it found), Decrease of all, Update until none is left, Shutdown
package main

import (
	"bufio"
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
	scenario := flag.String("scenario", "calls", "calls, lifecycle or crash")
	deadline := flag.Duration("deadline", 3*time.Minute, "limit for the whole scenario")
	flag.Parse()

	config, err := ioutil.ReadFile(*configPath)
	if err != nil {
		fail("setup", err)
	}
	key, err := ioutil.ReadFile(*keyPath)
	if err != nil {
		fail("setup", err)
	}
	ctx, cancel := context.WithTimeout(context.Background(), *deadline)
	defer cancel()
	h := &host{plugin: *pluginPath, autoMTLS: *autoMTLS, config: config, key: key}
	switch *scenario {
	case "calls":
		calls(ctx, h)
	case "lifecycle":
		lifecycle(ctx, h)
	case "crash":
		crash(ctx, h)
	default:
		fail("setup", fmt.Errorf("unknown scenario %q", *scenario))
	}
}

type host struct {
	plugin   string
	autoMTLS bool
	config   []byte
	key      []byte
}

// start launches the plugin through go-plugin, pings it and dispenses the InstanceGroup client.
func (h *host) start() (*plugin.Client, pb.InstanceGroupClient) {
	client := plugin.NewClient(&plugin.ClientConfig{
		HandshakeConfig:  plugin.HandshakeConfig{ProtocolVersion: 1, MagicCookieKey: "SANDBOXER_TEST_HOST", MagicCookieValue: "fleetingclient"},
		Plugins:          plugin.PluginSet{"instancegroup": &raw{}},
		Cmd:              exec.Command(h.plugin),
		AllowedProtocols: []plugin.Protocol{plugin.ProtocolGRPC},
		AutoMTLS:         h.autoMTLS,
		Logger:           hclog.New(&hclog.LoggerOptions{Name: "host", Output: os.Stderr, Level: hclog.Debug}),
	})
	current = client
	rpc, err := client.Client()
	if err != nil {
		fail("start", err)
	}
	emit("start", map[string]interface{}{"protocol": string(client.Protocol()), "negotiated_version": client.NegotiatedVersion(),
		"pid": client.ReattachConfig().Pid})
	if err := rpc.Ping(); err != nil {
		fail("ping", err)
	}
	emit("ping", map[string]interface{}{"ok": true})
	dispensed, err := rpc.Dispense("instancegroup")
	if err != nil {
		fail("dispense", err)
	}
	return client, pb.NewInstanceGroupClient(dispensed.(*grpc.ClientConn))
}

func (h *host) init(ctx context.Context, ig pb.InstanceGroupClient) {
	init, err := ig.Init(ctx, &pb.InitRequest{Config: h.config, Settings: &pb.ConnectorConfig{
		Os: "linux", Arch: "amd64", Protocol: "ssh", Username: "core", Key: h.key, UseStaticCredentials: true}})
	if err != nil {
		fail("init", err)
	}
	emit("init", map[string]interface{}{"id": init.Info.Id, "max_size": init.Info.MaxSize, "version": init.Info.Version})
}

func update(ctx context.Context, ig pb.InstanceGroupClient, step string) map[string]string {
	upd, err := ig.Update(ctx, &pb.UpdateRequest{})
	if err != nil {
		fail(step, err)
	}
	states := map[string]string{}
	for _, i := range upd.Instances {
		states[i.Id] = i.State.String()
	}
	return states
}

// awaitUpdate polls Update (as the runner does, every few seconds) until done says the states are final.
func awaitUpdate(ctx context.Context, ig pb.InstanceGroupClient, step string, done func(map[string]string) bool) map[string]string {
	started := time.Now()
	for {
		states := update(ctx, ig, step)
		if done(states) {
			emit(step, map[string]interface{}{"instances": states, "seconds": int(time.Since(started).Seconds())})
			return states
		}
		fmt.Fprintf(os.Stderr, "fleetingclient: %s: %v after %s\n", step, states, time.Since(started).Round(time.Second))
		select {
		case <-ctx.Done():
			fail(step, fmt.Errorf("deadline passed; last states %v", states))
		case <-time.After(3 * time.Second):
		}
	}
}

func increase(ctx context.Context, ig pb.InstanceGroupClient, delta int32) {
	inc, err := ig.Increase(ctx, &pb.IncreaseRequest{Delta: delta})
	if err != nil {
		fail("increase", err)
	}
	emit("increase", map[string]interface{}{"succeeded": inc.Succeeded, "error": inc.Error})
}

func decreaseAll(ctx context.Context, ig pb.InstanceGroupClient, ids []string) {
	dec, err := ig.Decrease(ctx, &pb.DecreaseRequest{Ids: ids})
	if err != nil {
		fail("decrease", err)
	}
	emit("decrease", map[string]interface{}{"succeeded": dec.Succeeded, "error": dec.Error})
	awaitUpdate(ctx, ig, "drained", func(s map[string]string) bool { return len(s) == 0 })
}

func shutdown(ctx context.Context, client *plugin.Client, ig pb.InstanceGroupClient) {
	if _, err := ig.Shutdown(ctx, &pb.ShutdownRequest{}); err != nil {
		fail("shutdown", err)
	}
	emit("shutdown", map[string]interface{}{"ok": true})
	client.Kill() // GRPCController.Shutdown, then waits for the process
	emit("kill", map[string]interface{}{"exited": client.Exited()})
}

func ids(states map[string]string) []string {
	var out []string
	for id := range states {
		out = append(out, id)
	}
	return out
}

func lifecycle(ctx context.Context, h *host) {
	client, ig := h.start()
	defer client.Kill()
	h.init(ctx, ig)
	increase(ctx, ig, 2)
	states := awaitUpdate(ctx, ig, "running", func(s map[string]string) bool {
		running := 0
		for _, state := range s {
			if state == "STATE_RUNNING" {
				running++
			}
		}
		return running == 2
	})
	for _, id := range ids(states) {
		ci, err := ig.ConnectInfo(ctx, &pb.ConnectInfoRequest{Id: id})
		if err != nil {
			fail("connectinfo", err)
		}
		emit("connectinfo", map[string]interface{}{"id": ci.Id, "internal_addr": ci.InternalAddr, "username": ci.Config.Username,
			"protocol": ci.Config.Protocol, "port": ci.Config.ProtocolPort, "key": string(ci.Config.Key)})
	}
	emit("waiting", map[string]interface{}{"for": "a line on stdin"})
	if _, err := bufio.NewReader(os.Stdin).ReadString('\n'); err != nil {
		fail("waiting", err)
	}
	decreaseAll(ctx, ig, ids(states))
	shutdown(ctx, client, ig)
}

func crash(ctx context.Context, h *host) {
	first, ig := h.start()
	h.init(ctx, ig)
	emit("increasing", map[string]interface{}{"delta": 2})
	inc, err := ig.Increase(ctx, &pb.IncreaseRequest{Delta: 2})
	if err == nil {
		fail("increase", fmt.Errorf("the plugin was to be killed during Increase, but it answered %v", inc))
	}
	emit("increase", map[string]interface{}{"error": err.Error()})
	first.Kill() // the process is gone; this only releases the client
	emit("killed", map[string]interface{}{"exited": first.Exited()})

	client, ig := h.start()
	defer client.Kill()
	h.init(ctx, ig)
	found := update(ctx, ig, "found")
	emit("found", map[string]interface{}{"instances": found})
	if len(found) > 0 {
		decreaseAll(ctx, ig, ids(found))
	}
	shutdown(ctx, client, ig)
}

// calls walks every InstanceGroup method once, without waiting for a guest.
func calls(ctx context.Context, h *host) {
	client, ig := h.start()
	defer client.Kill()
	h.init(ctx, ig)
	increase(ctx, ig, 2)

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

	shutdown(ctx, client, ig)
}
