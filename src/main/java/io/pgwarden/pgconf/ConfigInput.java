package io.pgwarden.pgconf;

import java.util.List;
import java.util.Map;
import java.util.Objects;

/**
 * Everything custom.conf is rendered from.
 *
 * @param clusterName the Cluster's name, written as {@code cluster_name}
 * @param port the port postgres listens on (5432 in a pod)
 * @param socketDirectory the Unix socket directory ({@code /controller/run} in a pod)
 * @param logDirectory where the log FIFOs live ({@code /controller/log} in a pod)
 * @param certificatesDirectory where server.crt, server.key and client-ca.crt are installed
 * @param userParameters {@code spec.postgresql.parameters}, untrusted
 * @param sharedPreloadLibraries the libraries pgwarden manages, in load order
 * @param companionsDigest a digest of what postgres reads beside custom.conf on a reload (pg_hba,
 *     pg_ident, the TLS files), folded into {@code cnpg.config_sha256} so that the hash postgres
 *     reports proves it read them too; empty for none
 * @param allowUnsafeDurability the Cluster accepts settings that risk data after a crash ({@code
 *     fsync: off}, ...)
 */
public record ConfigInput(
    String clusterName,
    int port,
    String socketDirectory,
    String logDirectory,
    String certificatesDirectory,
    Map<String, String> userParameters,
    List<String> sharedPreloadLibraries,
    String companionsDigest,
    boolean allowUnsafeDurability) {
  public ConfigInput {
    if (!companionsDigest.matches("[0-9a-f]*")) {
      throw new IllegalArgumentException("companionsDigest must be lowercase hex");
    }
    Objects.requireNonNull(clusterName, "clusterName");
    Objects.requireNonNull(socketDirectory, "socketDirectory");
    Objects.requireNonNull(logDirectory, "logDirectory");
    Objects.requireNonNull(certificatesDirectory, "certificatesDirectory");
    if (port < 1 || port > 65535) {
      throw new IllegalArgumentException("port " + port + " is outside 1..65535");
    }
    userParameters = Map.copyOf(userParameters);
    sharedPreloadLibraries = List.copyOf(sharedPreloadLibraries);
  }

  /** Without companions: the hash covers custom.conf alone. */
  public ConfigInput(
      String clusterName,
      int port,
      String socketDirectory,
      String logDirectory,
      String certificatesDirectory,
      Map<String, String> userParameters,
      List<String> sharedPreloadLibraries) {
    this(
        clusterName,
        port,
        socketDirectory,
        logDirectory,
        certificatesDirectory,
        userParameters,
        sharedPreloadLibraries,
        "",
        false);
  }
}
