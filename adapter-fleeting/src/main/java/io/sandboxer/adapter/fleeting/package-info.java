/**
 * GitLab Fleeting plugin: go-plugin handshake and the InstanceGroup gRPC service on core's Fleet.
 */
package io.sandboxer.adapter.fleeting;
