package io.pgwarden.source;

import io.pgwarden.spec.Cluster;
import io.pgwarden.spec.InvalidSpecException;
import java.io.IOException;
import java.util.Optional;

/**
 * Where the instance reads its Cluster, Secrets and ConfigMaps: files in standalone mode ({@link
 * LocalSource}), the Kubernetes API in Kubernetes mode. Reads are cheap (a file, or a watched
 * cache) and may be repeated at every reconcile.
 */
public interface Source {
  /** The current Cluster, parsed and validated. */
  Cluster cluster() throws InvalidSpecException, IOException;

  /** The value of {@code key} in Secret {@code name}, if both exist. */
  Optional<byte[]> secret(String name, String key) throws IOException;

  /** The value of {@code key} in ConfigMap {@code name}, if both exist. */
  Optional<byte[]> configMap(String name, String key) throws IOException;

  /** Where {@code key} of Secret {@code name} is expected, for messages. */
  String describeSecret(String name, String key);

  /**
   * The owner's credentials from Secret {@code name}.
   *
   * @throws IOException when they cannot be read (or, where the source may, created)
   */
  Credentials ownerCredentials(String name, String defaultUser) throws IOException;

  /** Credentials of a Secret, if it has both {@code username} and {@code password}. */
  Optional<Credentials> credentials(String name) throws IOException;
}
