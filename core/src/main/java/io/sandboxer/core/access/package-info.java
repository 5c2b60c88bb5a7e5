/**
 * Guest access: the one home of the rules that decide a guest's login user, credential, groups, shell, host key and
 * CA certificates ({@link io.sandboxer.core.access.GuestAccess}).
 */
package io.sandboxer.core.access;
