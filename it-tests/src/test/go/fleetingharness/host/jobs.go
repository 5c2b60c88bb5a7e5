package main

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"strings"
	"time"

	"gitlab.com/gitlab-org/fleeting/fleeting"
	"gitlab.com/gitlab-org/fleeting/fleeting/connector"
	"gitlab.com/gitlab-org/fleeting/taskscaler"
)

// jobs runs job scripts one after another the way GitLab Runner's instance executor does, through taskscaler (the
// runner's scaling layer, configured with the options the runner passes for [runners.autoscaler] with
// capacity_per_instance = 1, max_use_count = 1, max_instances = 1, idle_count = 0,
// delete_instances_on_shutdown = true): Reserve and Acquire a slot (taskscaler asks the plugin for an instance and
// waits until Update reports it running), ConnectInfo, the script over fleeting's SSH connector, Release (the
// used-up instance is decreased), and at the end Shutdown, which deletes what is left, then Kill.
func jobs(ctx context.Context, h *host, scripts []string) {
	runner, err := fleeting.RunPlugin(h.plugin, h.config, fleeting.WithPluginLogger(h.log.Named("fleeting-plugin")))
	if err != nil {
		fail("start", err)
	}
	running = runner
	emit("start", map[string]any{"ok": true})
	initCtx, cancel := context.WithTimeout(ctx, time.Minute) // the runner's budget for creating the taskscaler
	ts, err := taskscaler.New(initCtx, runner.InstanceGroup(),
		taskscaler.WithReservations(),
		taskscaler.WithCapacityPerInstance(1),
		taskscaler.WithMaxUseCount(1),
		taskscaler.WithMaxInstances(1),
		taskscaler.WithInstanceGroupSettings(h.settings),
		taskscaler.WithUpdateInterval(time.Minute),
		taskscaler.WithUpdateIntervalWhenExpecting(2*time.Second),
		taskscaler.WithDeleteInstancesOnShutdown(),
		taskscaler.WithLogger(h.log.Named("taskscaler")))
	cancel()
	if err != nil {
		fail("taskscaler", err)
	}
	if err := ts.ConfigureSchedule(taskscaler.Schedule{IdleCount: 0}); err != nil {
		fail("taskscaler", err)
	}
	emit("taskscaler", map[string]any{"ok": true})

	for i, script := range scripts {
		key := fmt.Sprintf("job-%d", i+1)
		started := time.Now()
		// The runner asks for a job only once it holds a reservation; while the previous job's instance is being
		// retired (max_instances 1) there is no capacity, so it asks again later, as here.
		for err := ts.Reserve(key); err != nil; err = ts.Reserve(key) {
			if !errors.Is(err, taskscaler.ErrNoCapacity) {
				fail("reserve", err)
			}
			select {
			case <-ctx.Done():
				fail("reserve", fmt.Errorf("no capacity for %s before the deadline: %w", key, err))
			case <-time.After(time.Second):
			}
		}
		acq, err := ts.Acquire(ctx, key)
		if err != nil {
			fail("acquire", err)
		}
		acquired := time.Since(started)
		info, err := acq.InstanceConnectInfo(ctx)
		if err != nil {
			fail("connectinfo", err)
		}
		var stdout, stderr bytes.Buffer
		err = connector.Run(ctx, info, connector.ConnectorOptions{RunOptions: connector.RunOptions{Command: "bash -s",
			Stdin: strings.NewReader(script), Stdout: &stdout, Stderr: &stderr}})
		exit := 0
		var exitErr *connector.ExitError
		if errors.As(err, &exitErr) {
			exit = exitErr.ExitCode()
		} else if err != nil {
			fail("job", fmt.Errorf("%s on %s: %w", key, acq.InstanceID(), err))
		}
		ts.Release(key)
		emit("job", map[string]any{"key": key, "instance": acq.InstanceID(), "exit_code": exit, "stdout": stdout.String(),
			"stderr": stderr.String(), "acquire_seconds": acquired.Seconds(), "seconds": time.Since(started).Seconds()})
	}

	stopped := time.Now()
	shutdownCtx, cancel := context.WithTimeout(ctx, 5*time.Minute)
	ts.Shutdown(shutdownCtx) // delete_instances_on_shutdown: waits for the deletions
	cancel()
	emit("shutdown", map[string]any{"seconds": time.Since(stopped).Seconds()})
	runner.Kill()
	emit("kill", map[string]any{"ok": true})
}
