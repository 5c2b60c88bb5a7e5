package main

import (
	"fmt"
	"os"
	"path/filepath"
	"regexp"
	"strconv"
	"strings"
	"syscall"
)

// The job's agent socket, found as AgentDirectory.find finds it: the per-user base ($SANDBOXER_AGENT_DIR, else
// $XDG_RUNTIME_DIR/sandboxer, else /tmp/sandboxer-agent-<uid>) and in it the job's directory, both real directories
// (not symlinks) of this user with mode 0700, so only this user reaches the socket. Anything else: no agent here.
func agentSocket(sandbox string) (string, error) {
	if !sandboxNamePattern.MatchString(sandbox) {
		return "", fmt.Errorf("%q is not a sandbox name", sandbox)
	}
	base := agentBase()
	dir := filepath.Join(base, sandbox)
	// AgentDirectory refuses a job directory whose longest socket path would not fit in sun_path.
	if len(filepath.Join(dir, "control.sock")) > 107 {
		return "", fmt.Errorf("the agent socket path under %s is too long", dir)
	}
	if info, err := os.Lstat(dir); err != nil || !info.IsDir() {
		return "", fmt.Errorf("this job has no connection agent directory %s", dir)
	}
	for _, d := range []string{base, dir} {
		if err := checkPrivate(d); err != nil {
			return "", err
		}
	}
	return filepath.Join(dir, "agent.sock"), nil
}

var sandboxNamePattern = regexp.MustCompile(`^[a-z0-9-]{1,63}$`)

func agentBase() string {
	if explicit := os.Getenv("SANDBOXER_AGENT_DIR"); strings.TrimSpace(explicit) != "" {
		return explicit
	}
	if runtime := os.Getenv("XDG_RUNTIME_DIR"); strings.HasPrefix(runtime, "/") {
		if info, err := os.Stat(runtime); err == nil && info.IsDir() {
			return filepath.Join(runtime, "sandboxer")
		}
	}
	return "/tmp/sandboxer-agent-" + strconv.Itoa(os.Getuid())
}

func checkPrivate(dir string) error {
	info, err := os.Lstat(dir)
	if err != nil {
		return err
	}
	if !info.IsDir() {
		return fmt.Errorf("%s is not a directory", dir)
	}
	stat, ok := info.Sys().(*syscall.Stat_t)
	if !ok || int(stat.Uid) != os.Getuid() {
		return fmt.Errorf("%s is not this user's", dir)
	}
	if info.Mode().Perm() != 0o700 {
		return fmt.Errorf("%s has mode %v; it must be rwx------", dir, info.Mode().Perm())
	}
	return nil
}
