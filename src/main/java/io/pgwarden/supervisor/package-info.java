/**
 * The postgres process: start, watch, reload, smart-then-fast shutdown, crash policy, signals, and
 * reaping of orphaned zombies as PID 1.
 */
package io.pgwarden.supervisor;
