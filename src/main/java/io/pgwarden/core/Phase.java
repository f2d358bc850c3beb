package io.pgwarden.core;

/** What the instance is doing with postgres right now. */
public enum Phase {
  /** postgres is being started and does not accept connections yet. */
  STARTING,
  /** postgres accepts connections and runs the configuration last confirmed loaded. */
  RUNNING,
  /** postgres was asked to reload; the new configuration is not confirmed loaded yet. */
  RELOADING,
  /** postgres exited without being asked to and is started again (standalone). */
  RESTARTING,
  /** A shutdown was requested: postgres is being stopped, or has stopped. */
  STOPPING
}
