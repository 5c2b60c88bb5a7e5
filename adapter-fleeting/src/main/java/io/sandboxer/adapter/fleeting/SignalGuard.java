package io.sandboxer.adapter.fleeting;

import sun.misc.Signal;

/**
 * The runner's process group gets SIGINT, SIGTERM and SIGHUP on stop and reload; a plugin that died of them
 * before the runner's Shutdown call would leak instances. Like go-plugin's servers, ignore them: the runner
 * ends the plugin through GRPCController.Shutdown (then SIGKILL).
 */
final class SignalGuard {
    private SignalGuard() {
    }

    static void ignoreStopSignals() {
        for (String name : new String[] {"INT", "TERM", "HUP"}) {
            try {
                Signal.handle(new Signal(name), signal -> { });
            } catch (IllegalArgumentException e) {
                // not available on this platform
            }
        }
    }
}
