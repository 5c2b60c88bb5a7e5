/**
 * Ignition (spec 3.x) bootstrap renderer for Flatcar and Fedora CoreOS guests; format name {@code ignition}.
 */
package io.sandboxer.bootstrap.ignition;
