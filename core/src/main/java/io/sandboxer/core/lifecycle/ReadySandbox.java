package io.sandboxer.core.lifecycle;

import io.sandboxer.core.model.ConnectInfo;
import io.sandboxer.core.model.Sandbox;

/** A sandbox a job may use now, and how to reach it. */
public record ReadySandbox(Sandbox sandbox, ConnectInfo connectInfo) {
}
