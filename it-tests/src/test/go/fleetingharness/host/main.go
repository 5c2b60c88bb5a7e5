// host drives a Fleeting plugin with GitLab's own fleeting library, exactly as GitLab Runner does:
// fleeting.RunPlugin (go-plugin handshake, the library's InstanceGroup client and wire schema), the
// provider.InstanceGroup calls, and the library's SSH connector to run commands on an instance. Each step prints
// one JSON line on stdout; a failure prints an "error" field and exits 1. Its own and the plugin's log go to stderr.
//
// Scenarios (-scenario):
//
//	calls      every InstanceGroup method once, without waiting for guests
//	lifecycle  Increase(n), Update until all run, then per instance ConnectInfo and a command through
//	           fleeting's SSH connector, Decrease, Update until none is left, Shutdown, Kill
//	crash      Increase(2) while the caller SIGKILLs the plugin, then a new plugin: sweep
//	sweep      Init, Update (what the start-up found), Decrease of all, Update until none is left, Shutdown
//	orphan     Init, Increase(1), Update until the instance is reported, then blocks: the caller SIGKILLs this
//	           process (as a crashed runner) and watches the plugin go away by itself
//	jobs       job scripts (-job, repeatable) one after another through taskscaler, as the instance executor
//	           runs jobs with capacity_per_instance = 1 and max_use_count = 1 (jobs.go)
//	scale      start+Init timed, Increase(n), Updates while they boot, Decrease, idle Updates: the plugin's footprint (scale.go)
//	automtls   go-plugin's AutoMTLS with fleeting's handshake, calls made from the fleeting module's own
//	           registered descriptor (fleeting.RunPlugin never turns AutoMTLS on)
package main

import (
	"bytes"
	"context"
	"encoding/json"
	"flag"
	"fmt"
	"os"
	"os/exec"
	"sort"
	"strings"
	"time"

	"github.com/hashicorp/go-hclog"

	"gitlab.com/gitlab-org/fleeting/fleeting"
	"gitlab.com/gitlab-org/fleeting/fleeting/connector"
	"gitlab.com/gitlab-org/fleeting/fleeting/provider"
)

func emit(step string, fields map[string]any) {
	fields["step"] = step
	line, _ := json.Marshal(fields)
	fmt.Println(string(line))
}

var running *fleeting.Runner

// fail reports the step's error, stops the plugin (os.Exit skips deferred calls) and exits 1.
func fail(step string, err error) {
	emit(step, map[string]any{"error": err.Error()})
	if running != nil {
		running.Kill()
	}
	os.Exit(1)
}

type scriptList []string

func (s *scriptList) String() string     { return strings.Join(*s, "\n---\n") }
func (s *scriptList) Set(v string) error { *s = append(*s, v); return nil }

type host struct {
	plugin   string
	config   []byte
	settings provider.Settings
	command  string
	log      hclog.Logger
}

func main() {
	pluginPath := flag.String("plugin", "", "plugin executable")
	configPath := flag.String("config", "", "plugin_config JSON file")
	keyPath := flag.String("key", "", "connector private key file (connector_config key_path); empty: none")
	username := flag.String("username", "core", "connector_config username")
	scenario := flag.String("scenario", "calls", "calls, lifecycle, crash, sweep, orphan, jobs, scale or automtls")
	instances := flag.Int("instances", 2, "how many instances lifecycle asks for")
	command := flag.String("command", "hostname; uname -r; id -un", "what lifecycle runs on each instance")
	deadline := flag.Duration("deadline", 3*time.Minute, "limit for the whole scenario")
	rounds := flag.Int("rounds", 10, "how many Updates the scale scenario makes in each phase")
	every := flag.Duration("every", 3*time.Second, "the pause between the scale scenario's Updates")
	var scripts scriptList
	flag.Var(&scripts, "job", "a job's bash script for the jobs scenario (repeatable)")
	flag.Parse()

	config, err := os.ReadFile(*configPath)
	if err != nil {
		fail("setup", err)
	}
	var key []byte
	if *keyPath != "" {
		if key, err = os.ReadFile(*keyPath); err != nil {
			fail("setup", err)
		}
	}
	ctx, cancel := context.WithTimeout(context.Background(), *deadline)
	defer cancel()
	h := &host{plugin: *pluginPath, config: config, command: *command,
		log: hclog.New(&hclog.LoggerOptions{Name: "runner", Output: os.Stderr, Level: hclog.Debug}),
		// What the runner builds from [runners.autoscaler.connector_config] (keepalive and timeout defaulted).
		settings: provider.Settings{ConnectorConfig: provider.ConnectorConfig{OS: "linux", Arch: "amd64", Protocol: provider.ProtocolSSH,
			Username: *username, Key: key, UseStaticCredentials: key != nil, Keepalive: 30 * time.Second, Timeout: 2 * time.Minute}}}
	switch *scenario {
	case "calls":
		calls(ctx, h)
	case "lifecycle":
		lifecycle(ctx, h, *instances)
	case "crash":
		crash(ctx, h)
	case "sweep":
		sweep(ctx, h)
	case "orphan":
		orphan(ctx, h)
	case "scale":
		scale(ctx, h, *instances, *rounds, *every)
	case "automtls":
		autoMTLS(ctx, h)
	case "jobs":
		jobs(ctx, h, scripts)
	default:
		fail("setup", fmt.Errorf("unknown scenario %q", *scenario))
	}
}

// start is the runner's own call: fleeting.RunPlugin(path, plugin_config JSON, WithPluginLogger), then Init.
func (h *host) start(ctx context.Context) (*fleeting.Runner, provider.InstanceGroup) {
	runner, err := fleeting.RunPlugin(h.plugin, h.config, fleeting.WithPluginLogger(h.log.Named("fleeting-plugin")))
	if err != nil {
		fail("start", err)
	}
	running = runner
	emit("start", map[string]any{"ok": true})
	group := runner.InstanceGroup()
	info, err := group.Init(ctx, h.log, h.settings)
	if err != nil {
		fail("init", err)
	}
	emit("init", map[string]any{"id": info.ID, "max_size": info.MaxSize, "version": info.Version, "build_info": info.BuildInfo})
	return runner, group
}

func update(ctx context.Context, group provider.InstanceGroup, step string) map[string]string {
	states := map[string]string{}
	if err := group.Update(ctx, func(id string, state provider.State) { states[id] = string(state) }); err != nil {
		fail(step, err)
	}
	return states
}

// awaitUpdate polls Update (as the runner does while it expects changes, every few seconds) until done.
func awaitUpdate(ctx context.Context, group provider.InstanceGroup, step string, done func(map[string]string) bool) map[string]string {
	started := time.Now()
	for {
		states := update(ctx, group, step)
		if done(states) {
			emit(step, map[string]any{"instances": states, "seconds": int(time.Since(started).Seconds())})
			return states
		}
		h := hclog.Default()
		h.Info("waiting", "step", step, "states", fmt.Sprint(states), "after", time.Since(started).Round(time.Second).String())
		select {
		case <-ctx.Done():
			fail(step, fmt.Errorf("deadline passed; last states %v", states))
		case <-time.After(2 * time.Second):
		}
	}
}

func countIn(states map[string]string, state provider.State) int {
	n := 0
	for _, s := range states {
		if s == string(state) {
			n++
		}
	}
	return n
}

func ids(states map[string]string) []string {
	out := make([]string, 0, len(states))
	for id := range states {
		out = append(out, id)
	}
	sort.Strings(out)
	return out
}

func increase(ctx context.Context, group provider.InstanceGroup, n int) {
	succeeded, err := group.Increase(ctx, n)
	if err != nil {
		fail("increase", err)
	}
	emit("increase", map[string]any{"succeeded": succeeded})
}

func decreaseAll(ctx context.Context, group provider.InstanceGroup, instances []string) {
	succeeded, err := group.Decrease(ctx, instances)
	if err != nil {
		fail("decrease", err)
	}
	emit("decrease", map[string]any{"succeeded": succeeded})
	awaitUpdate(ctx, group, "drained", func(s map[string]string) bool { return len(s) == 0 })
}

// shutdown is the runner's stop: the provider's Shutdown, then Kill (GRPCController.Shutdown, force after 2 s).
func shutdown(ctx context.Context, runner *fleeting.Runner, group provider.InstanceGroup) {
	if err := group.Shutdown(ctx); err != nil {
		fail("shutdown", err)
	}
	emit("shutdown", map[string]any{"ok": true})
	runner.Kill()
	emit("kill", map[string]any{"ok": true})
}

func connectInfo(ctx context.Context, group provider.InstanceGroup, id string) provider.ConnectInfo {
	info, err := group.ConnectInfo(ctx, id)
	if err != nil {
		fail("connectinfo", err)
	}
	emit("connectinfo", map[string]any{"id": info.ID, "internal_addr": info.InternalAddr, "external_addr": info.ExternalAddr,
		"username": info.Username, "protocol": string(info.Protocol), "port": info.ProtocolPort, "os": info.OS, "arch": info.Arch,
		"has_key": len(info.Key) > 0, "has_password": info.Password != "", "expires": info.Expires != nil})
	return info
}

func calls(ctx context.Context, h *host) {
	runner, group := h.start(ctx)
	increase(ctx, group, 2)
	states := update(ctx, group, "update")
	emit("update", map[string]any{"instances": states})
	if len(states) == 0 {
		fail("update", fmt.Errorf("no instances reported"))
	}
	first := ids(states)[0]
	connectInfo(ctx, group, first)
	if err := group.Heartbeat(ctx, first); err != nil {
		fail("heartbeat", err)
	}
	emit("heartbeat", map[string]any{"ok": true})
	succeeded, err := group.Decrease(ctx, ids(states))
	if err != nil {
		fail("decrease", err)
	}
	emit("decrease", map[string]any{"succeeded": succeeded})
	shutdown(ctx, runner, group)
}

func lifecycle(ctx context.Context, h *host, n int) {
	runner, group := h.start(ctx)
	increase(ctx, group, n)
	states := awaitUpdate(ctx, group, "running", func(s map[string]string) bool { return countIn(s, provider.StateRunning) == n })
	for _, id := range ids(states) {
		info := connectInfo(ctx, group, id)
		var stdout, stderr bytes.Buffer
		err := connector.Run(ctx, info, connector.ConnectorOptions{RunOptions: connector.RunOptions{Command: h.command,
			Stdout: &stdout, Stderr: &stderr}})
		if err != nil {
			fail("run", fmt.Errorf("%s on %s: %w (stderr: %s)", h.command, id, err, strings.TrimSpace(stderr.String())))
		}
		emit("run", map[string]any{"id": id, "stdout": stdout.String()})
	}
	decreaseAll(ctx, group, ids(states))
	shutdown(ctx, runner, group)
}

func crash(ctx context.Context, h *host) {
	first, group := h.start(ctx)
	emit("increasing", map[string]any{"n": 2})
	if succeeded, err := group.Increase(ctx, 2); err == nil {
		fail("increase", fmt.Errorf("the plugin was to be killed during Increase, but it answered %d", succeeded))
	} else {
		emit("increase", map[string]any{"error": err.Error()})
	}
	first.Kill() // the process is gone; this only releases the client
	emit("killed", map[string]any{"ok": true})
	sweep(ctx, h)
}

func sweep(ctx context.Context, h *host) {
	runner, group := h.start(ctx)
	found := update(ctx, group, "found")
	emit("found", map[string]any{"instances": found})
	if len(found) > 0 {
		decreaseAll(ctx, group, ids(found))
	}
	shutdown(ctx, runner, group)
}

func orphan(ctx context.Context, h *host) {
	_, group := h.start(ctx)
	increase(ctx, group, 1)
	awaitUpdate(ctx, group, "reported", func(s map[string]string) bool { return len(s) == 1 })
	emit("waiting", map[string]any{"for": "SIGKILL"})
	<-ctx.Done()
	fail("waiting", fmt.Errorf("nobody killed this host"))
}

// execCommand is the plugin's command line, as fleeting.RunPlugin builds it.
func execCommand(path string) *exec.Cmd {
	return exec.Command(path)
}
