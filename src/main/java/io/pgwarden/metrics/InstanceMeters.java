package io.pgwarden.metrics;

/**
 * The events pgwarden counts where they happen. Without a metrics port the instance holds {@link
 * #NONE}, so callers count unconditionally.
 */
public interface InstanceMeters {
  /** Counts nothing. */
  InstanceMeters NONE = new InstanceMeters() {};

  /** postgres was asked to reload its configuration (SIGHUP / {@code pg_reload_conf()}). */
  default void reloaded() {}

  /** The rendered configuration's hash changed. */
  default void configHashChanged() {}

  /** The status API (port 8000) answered a request. */
  default void statusRequest() {}
}
