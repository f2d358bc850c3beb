package io.pgwarden.reconcile;

import io.pgwarden.spec.Cluster;
import io.pgwarden.tls.TlsMaterial;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;

/**
 * What one reconcile changed on disk, for the wiring to decide what follows (a reload, the new
 * certificate on port 8000, the queries reloaded, the reporter told).
 *
 * @param cluster the Cluster in force after it (the last good one when the new one was refused)
 * @param files the configuration files rewritten in PGDATA
 * @param certificates the TLS material newly installed, empty when it did not change (or was
 *     refused)
 * @param configHash the hash postgres will report once it loaded what is on disk now
 */
public record Changes(
    Cluster cluster, List<String> files, Optional<TlsMaterial> certificates, String configHash) {
  public Changes {
    files = List.copyOf(files);
  }

  /** Whether postgres must reload to read what changed. */
  public boolean needsReload() {
    return !files.isEmpty() || certificates.isPresent();
  }

  /** What changed, for a log line: the files, and "certificates" when they did. */
  public List<String> described() {
    List<String> what = new ArrayList<>(files);
    if (certificates.isPresent()) {
      what.add("certificates");
    }
    return what;
  }
}
