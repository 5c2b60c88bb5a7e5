/** How failures are worded for users: messages that name settings and causes, never Java class names. */
package io.sandboxer.core.errors;
