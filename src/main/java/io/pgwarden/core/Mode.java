package io.pgwarden.core;

import io.pgwarden.source.Source;
import io.pgwarden.spec.Cluster;
import io.pgwarden.supervisor.RestartPolicy;

/**
 * What differs between standalone mode (files, self-generated certificates, restart after a crash)
 * and Kubernetes mode (the API, the operator's Secrets, exit after a crash, status and Events).
 */
public interface Mode {
  /** For the first log line: where the spec and Secrets come from. */
  String describe();

  /** Where the Cluster, Secrets and ConfigMaps are read. */
  Source source();

  /**
   * The Cluster to start with, once what a start needs is there (Kubernetes: waits for the Cluster
   * and its Secrets with a bounded backoff).
   */
  Cluster initialCluster() throws StartupException, InterruptedException;

  /**
   * Makes the TLS Secrets exist before they are read: standalone generates what is missing; in
   * Kubernetes the operator owns them and this does nothing.
   */
  void prepareTls(Cluster cluster) throws StartupException;

  /**
   * Whether an empty PGDATA is bootstrapped by this command; in Kubernetes {@code instance init}
   * (the initdb Job) does it and {@code instance run} refuses an empty directory.
   */
  boolean bootstrapsEmptyDataDirectory();

  RestartPolicy restartPolicy();

  /** Starts telling {@code onChange} when the Cluster, a Secret or a ConfigMap may have changed. */
  AutoCloseable watch(Runnable onChange) throws StartupException;

  /** Who hears about what happened (Events, the Cluster's status); standalone: nobody. */
  Reporter reporter();
}
