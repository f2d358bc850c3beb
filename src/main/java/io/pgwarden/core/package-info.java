/**
 * The instance model and the seams between the core and a mode: what this instance is and is doing
 * ({@link io.pgwarden.core.InstanceState}, changed only by {@link io.pgwarden.core.InstanceModel}),
 * what a mode provides ({@link io.pgwarden.core.Mode}) and who hears what happens ({@link
 * io.pgwarden.core.Reporter}).
 */
package io.pgwarden.core;
