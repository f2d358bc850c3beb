package io.pgwarden.core;

import java.util.Objects;
import java.util.Set;

/**
 * What this instance is and what it is doing, as one immutable value. Only {@link InstanceModel}
 * makes new ones current; everything else reads it or hears its changes.
 *
 * @param role primary or replica
 * @param phase what is being done with postgres
 * @param pid the postmaster's pid, 0 while none runs
 * @param ready postgres accepts connections and the roles are applied
 * @param timeline the timeline postgres runs on, 0 while unknown
 * @param pendingRestart the parameters whose new value waits for a restart
 * @param configHash the configuration hash postgres confirmed loaded ({@code cnpg.config_sha256},
 *     which covers every configuration file and the TLS material), empty while none was confirmed
 * @param certificateFingerprint the SHA-256 of the server certificate installed for postgres and
 *     port 8000, empty while none is
 */
public record InstanceState(
    Role role,
    Phase phase,
    long pid,
    boolean ready,
    long timeline,
    Set<String> pendingRestart,
    String configHash,
    String certificateFingerprint) {

  /** Before anything is known: a primary being started. */
  public static final InstanceState INITIAL =
      new InstanceState(Role.PRIMARY, Phase.STARTING, 0, false, 0, Set.of(), "", "");

  public InstanceState {
    Objects.requireNonNull(role, "role");
    Objects.requireNonNull(phase, "phase");
    pendingRestart = Set.copyOf(pendingRestart);
    Objects.requireNonNull(configHash, "configHash");
    Objects.requireNonNull(certificateFingerprint, "certificateFingerprint");
  }

  /** postgres was started with {@code pid} and does not accept connections yet. */
  public InstanceState started(long newPid) {
    return new InstanceState(
        role,
        Phase.STARTING,
        newPid,
        false,
        timeline,
        pendingRestart,
        configHash,
        certificateFingerprint);
  }

  /** postgres exited without being asked to. */
  public InstanceState crashed() {
    return new InstanceState(
        role,
        Phase.RESTARTING,
        0,
        false,
        timeline,
        pendingRestart,
        configHash,
        certificateFingerprint);
  }

  /**
   * postgres accepts connections as {@code newRole} on {@code newTimeline}, running {@code hash}.
   */
  public InstanceState running(Role newRole, long newTimeline, String hash, Set<String> pending) {
    return new InstanceState(
        newRole, Phase.RUNNING, pid, true, newTimeline, pending, hash, certificateFingerprint);
  }

  /** postgres was asked to reload; {@code running} or {@link #reloaded} follows. */
  public InstanceState reloading() {
    return withPhase(phase == Phase.RUNNING ? Phase.RELOADING : phase);
  }

  /** postgres confirmed it loaded {@code hash}; {@code pending} parameters wait for a restart. */
  public InstanceState reloaded(String hash, Set<String> pending) {
    Phase next = phase == Phase.RELOADING ? Phase.RUNNING : phase;
    return new InstanceState(
        role, next, pid, ready, timeline, pending, hash, certificateFingerprint);
  }

  /** The server certificate with {@code fingerprint} is installed and served. */
  public InstanceState serving(String fingerprint) {
    return new InstanceState(
        role, phase, pid, ready, timeline, pendingRestart, configHash, fingerprint);
  }

  /** A shutdown was requested: not ready any more. */
  public InstanceState stopping() {
    return new InstanceState(
        role,
        Phase.STOPPING,
        pid,
        false,
        timeline,
        pendingRestart,
        configHash,
        certificateFingerprint);
  }

  /** postgres has stopped. */
  public InstanceState stopped() {
    return new InstanceState(
        role,
        Phase.STOPPING,
        0,
        false,
        timeline,
        pendingRestart,
        configHash,
        certificateFingerprint);
  }

  public boolean primary() {
    return role == Role.PRIMARY;
  }

  private InstanceState withPhase(Phase next) {
    return new InstanceState(
        role, next, pid, ready, timeline, pendingRestart, configHash, certificateFingerprint);
  }
}
