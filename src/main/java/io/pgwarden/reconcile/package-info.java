/**
 * Brings the files postgres reads in line with the spec and the Secrets: renders, validates,
 * installs only what changed, and returns what changed as a value; the wiring decides what follows.
 */
package io.pgwarden.reconcile;
