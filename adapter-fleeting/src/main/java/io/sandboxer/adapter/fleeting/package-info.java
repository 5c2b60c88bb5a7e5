/**
 * GitLab Fleeting plugin: HashiCorp go-plugin transport (handshake, AutoMTLS, health, controller) and the
 * InstanceGroup gRPC service mapped onto core's {@code Fleet}. The wire schema lives only in
 * {@code src/main/proto/fleeting.proto}.
 */
package io.sandboxer.adapter.fleeting;
