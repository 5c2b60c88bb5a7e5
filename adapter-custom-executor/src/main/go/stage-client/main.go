// sandboxer-stage-client: the custom executor's `run` and `cleanup` stages when the job's connection agent serves them.
//
// GitLab Runner starts one process per sub-stage (9-11 per job) and one for cleanup. A JVM costs ~0.15 s of that
// before it has sent a byte; this client costs ~2 ms. It does only the agent paths of the JVM's quick start
// (QuickStart.run and AgentRun, CleanupCommand's deletion through the agent, in io.sandboxer.adapter.customexecutor):
// the job's sandbox name from the runner's job response, the agent's private directory, the script (or the deletion)
// over the agent's socket, the output and exit status back. Everything else (an unusual command line, a job response
// it does not read exactly as the JVM would, no agent, an agent that refuses before the script started or cannot
// delete) it hands to the JVM path unchanged by exec'ing the launcher again with SANDBOXER_NO_STAGE_CLIENT=1: that
// path then warns, connects directly or reports the error in its own words. Nothing has run in the guest by then, so
// handing over never runs a script twice; deleting twice is harmless.
package main

import (
	"fmt"
	"os"
	"os/signal"
	"strconv"
	"strings"
	"syscall"
)

// The options of the JVM's RunCommand that take a value, and its flags that keep the agent in play; CleanupCommand's
// options, all taking a value (QuickStart's RUN_OPTIONS, RUN_FLAGS and CLEANUP_OPTIONS; StageClientTest checks they
// agree).
var runOptions = map[string]bool{"--config": true, "--backend": true, "--namespace": true, "--name-prefix": true,
	"--retry-timeout": true, "--dial-timeout": true}
var runFlags = map[string]bool{"--connection-agent": true}
var cleanupOptions = map[string]bool{"--config": true, "--backend": true, "--namespace": true, "--name-prefix": true,
	"--timeout": true, "--skip-if": true}

const defaultPrefix = "sandboxer"

// handOver means: this client does not handle the stage; the JVM path does, from the start. agentFailed: the job's
// agent was asked to delete and could not (or did not answer), so the JVM path is not to ask it again.
type handOver struct {
	why         string
	agentFailed bool
}

func (h handOver) Error() string { return h.why }

func main() {
	env := runnerEnv{}
	code, err := serveStage(os.Args[1:], env)
	if h, ok := err.(handOver); ok {
		execJvm(h, env)
	}
	os.Exit(code)
}

// serveStage does the stage; a handOver error means the JVM path is to do it from the start.
func serveStage(args []string, env runnerEnv) (int, error) {
	if len(args) > 0 && args[0] == "run" {
		return run(args, env)
	}
	if len(args) > 0 && args[0] == "cleanup" {
		return cleanup(args, env)
	}
	return 0, handOver{why: "not a stage this client serves"}
}

// jobAgent is the job's sandbox and its agent's socket; a handOver error when the job has no agent here.
func jobAgent(prefix string, env runnerEnv) (name, socket string, err error) {
	name, err = sandboxName(env.get("JOB_RESPONSE_FILE"), prefix)
	if err != nil {
		return "", "", handOver{why: err.Error()}
	}
	socket, err = agentSocket(name)
	if err != nil {
		return "", "", handOver{why: err.Error()}
	}
	return name, socket, nil
}

// cleanup is CleanupCommand's path through the agent: it deletes the sandbox with the backend it holds open, stops
// and removes its directory. Without an agent, or when it could not delete, the JVM path deletes.
func cleanup(args []string, env runnerEnv) (int, error) {
	_, prefix, err := parseCommandLine(args, cleanupOptions, nil, 0)
	if err != nil {
		return 0, err
	}
	name, socket, err := jobAgent(prefix, env)
	if err != nil {
		return 0, err
	}
	signal.Ignore(syscall.SIGPIPE)
	existed, err := deleteOnAgent(socket, name)
	if h, noAgent := err.(handOver); noAgent {
		return 0, h
	} else if err != nil {
		say("the connection agent did not delete " + name + " (" + err.Error() + "); deleting directly")
		return 0, handOver{why: err.Error(), agentFailed: true}
	}
	say("stopped the job's connection agent")
	if existed {
		say("deleted sandbox " + name)
	} else {
		say("nothing to clean up for " + name)
	}
	return 0, nil
}

// run is the run stage; a handOver error means nothing was sent to the agent.
func run(args []string, env runnerEnv) (int, error) {
	positional, prefix, err := parseCommandLine(args, runOptions, runFlags, 2)
	if err != nil {
		return 0, err
	}
	script, stage := positional[0], positional[1]
	name, socket, err := jobAgent(prefix, env)
	if err != nil {
		return 0, err
	}
	body, err := readScript(script)
	if err != nil {
		return 0, handOver{why: err.Error()}
	}
	// As the JVM's Cancellation: the runner cancels with SIGTERM (SIGINT by hand).
	signals := make(chan os.Signal, 1)
	signal.Notify(signals, syscall.SIGTERM, syscall.SIGINT)
	// As a JVM does: a closed stdout or stderr is an error to a write, not the end of the process.
	signal.Ignore(syscall.SIGPIPE)
	outcome := runOnAgent(socket, stage, body, os.Stdout, os.Stderr, signals)
	switch outcome.kind {
	case exited:
		return finish(env, stage, outcome.code)
	case cancelled:
		say(stage + " cancelled: the connection agent stops the remote script's process group")
		return env.systemFailure(), nil
	case failed:
		sayError("the sandbox " + name + " was lost during " + stage + ": " + outcome.why)
		return env.systemFailure(), nil
	default: // unavailable: nothing ran
		return 0, handOver{why: outcome.why}
	}
}

// parseCommandLine reads the plain form the runner uses: STAGE [--option value | --flag]... and the positional
// arguments. Anything else (help, --option=value, a repeated or unknown option) goes to the JVM path, which says what
// is wrong.
func parseCommandLine(args []string, valued, flags map[string]bool, positionals int) (positional []string, prefix string, err error) {
	options := map[string]string{}
	for i := 1; i < len(args); i++ {
		arg := args[i]
		_, seen := options[arg]
		switch {
		case valued[arg] && i+1 < len(args) && !seen:
			options[arg] = args[i+1]
			i++
		case flags[arg]:
		case strings.HasPrefix(arg, "-"):
			return nil, "", handOver{why: "option " + arg + " is the JVM path's to read"}
		default:
			positional = append(positional, arg)
		}
	}
	if len(positional) != positionals {
		return nil, "", handOver{why: fmt.Sprintf("not %d arguments", positionals)}
	}
	prefix = defaultPrefix
	if p, ok := options["--name-prefix"]; ok {
		prefix = p
	}
	if !validPrefix(prefix) {
		return nil, "", handOver{why: "--name-prefix is the JVM path's to refuse"}
	}
	return positional, prefix, nil
}

// readScript: a regular, readable file, as RunCommand.readScript insists (a directory would "run" nothing).
func readScript(path string) ([]byte, error) {
	info, err := os.Stat(path)
	if err != nil || !info.Mode().IsRegular() {
		return nil, fmt.Errorf("script %s is not a regular file", path)
	}
	return os.ReadFile(path)
}

// finish is RunCommand.finish: the exit status to BUILD_EXIT_CODE_FILE, and a script's failure as the build's.
func finish(env runnerEnv, stage string, code int) (int, error) {
	if file := env.get("BUILD_EXIT_CODE_FILE"); strings.TrimSpace(file) != "" {
		if err := os.WriteFile(file, []byte(strconv.Itoa(code)+"\n"), 0o666); err != nil {
			sayError("cannot write BUILD_EXIT_CODE_FILE " + file + ": " + err.Error())
			return env.systemFailure(), nil
		}
	}
	if code == 0 {
		return 0, nil
	}
	say(stage + " exited with " + strconv.Itoa(code))
	return env.buildFailure(), nil
}

// execJvm replaces this process by the launcher's JVM path, with the same arguments, stdin, stdout and stderr.
func execJvm(h handOver, env runnerEnv) {
	launcher := env.get("SANDBOXER_LAUNCHER")
	if !strings.HasPrefix(launcher, "/") {
		sayError("sandboxer-stage-client: SANDBOXER_LAUNCHER is not set to the sandboxer launcher (it starts this client); " +
			"cannot hand over (" + h.why + ")")
		os.Exit(env.systemFailure())
	}
	environ := append(os.Environ(), "SANDBOXER_NO_STAGE_CLIENT=1")
	if h.agentFailed {
		environ = append(environ, "SANDBOXER_AGENT_DID_NOT_DELETE=1") // JobAgent.AGENT_DID_NOT_DELETE
	}
	err := syscall.Exec(launcher, append([]string{launcher}, os.Args[1:]...), environ)
	sayError("sandboxer-stage-client: cannot start " + launcher + ": " + err.Error())
	os.Exit(env.systemFailure())
}

// runnerEnv is what the runner sets for every stage (RunnerEnvironment).
type runnerEnv struct{}

func (runnerEnv) get(name string) string { return os.Getenv(name) }

// code is an exit code the runner set, its fallback when unset or not a number (as RunnerEnvironment.code).
func (e runnerEnv) code(name string, fallback int) int {
	value, err := strconv.Atoi(strings.TrimSpace(e.get(name)))
	if err != nil {
		return fallback
	}
	return value
}

func (e runnerEnv) buildFailure() int  { return e.code("BUILD_FAILURE_EXIT_CODE", 1) }
func (e runnerEnv) systemFailure() int { return e.code("SYSTEM_FAILURE_EXIT_CODE", 2) }

// say and sayError write as the JVM's Diagnostics: one line on stderr, prefixed.
func say(message string)      { fmt.Fprintln(os.Stderr, "[sandboxer] "+message) }
func sayError(message string) { fmt.Fprintln(os.Stderr, "ERROR: "+message) }
