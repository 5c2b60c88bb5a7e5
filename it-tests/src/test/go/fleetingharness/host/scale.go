package main

import (
	"context"
	"time"

	"gitlab.com/gitlab-org/fleeting/fleeting/provider"
)

// scale measures a plugin's footprint as the runner uses it: start and Init (timed), Increase(n), `rounds` Updates
// `every` apart with the instances still booting (the caller samples the plugin's memory and CPU at each "steady"
// step), Decrease of all, Update until none is left, `rounds` more Updates ("idle" steps), Shutdown and Kill.
func scale(ctx context.Context, h *host, n, rounds int, every time.Duration) {
	started := time.Now()
	runner, group := h.start(ctx)
	emit("ready", map[string]any{"start_and_init_ms": time.Since(started).Milliseconds()})
	increase(ctx, group, n)
	var last map[string]string
	for i := 0; i < rounds; i++ {
		began := time.Now()
		last = update(ctx, group, "steady")
		emit("steady", map[string]any{"round": i, "instances": len(last), "running": countIn(last, provider.StateRunning),
			"update_ms": time.Since(began).Milliseconds()})
		pause(ctx, every)
	}
	decreaseAll(ctx, group, ids(last))
	for i := 0; i < rounds; i++ {
		update(ctx, group, "idle")
		emit("idle", map[string]any{"round": i})
		pause(ctx, every)
	}
	shutdown(ctx, runner, group)
}

func pause(ctx context.Context, d time.Duration) {
	select {
	case <-ctx.Done():
	case <-time.After(d):
	}
}
