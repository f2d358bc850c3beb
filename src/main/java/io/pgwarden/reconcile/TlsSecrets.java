package io.pgwarden.reconcile;

import io.pgwarden.source.Source;
import io.pgwarden.spec.SecretNames;
import io.pgwarden.tls.InstalledCertificates;
import io.pgwarden.tls.TlsMaterial;
import io.pgwarden.tls.TlsMaterialException;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;

/**
 * The six TLS files postgres serves, as the Secrets hold them (CONTRACT.md: {@code <c>-server},
 * {@code <c>-ca} for server and client CA, {@code <c>-replication}), read once so that checking and
 * installing see the same bytes.
 */
public final class TlsSecrets {
  /**
   * Secret key and installed file name, in the order {@link InstalledCertificates#install} takes.
   */
  private record Entry(String secret, String key, String installedName) {}

  private final List<Entry> entries;
  private final List<byte[]> values;

  private TlsSecrets(List<Entry> entries, List<byte[]> values) {
    this.entries = entries;
    this.values = values;
  }

  /**
   * Reads the files of the Secrets {@code names} gives.
   *
   * @throws IOException naming the Secret and key that is missing
   */
  public static TlsSecrets read(Source source, SecretNames names) throws IOException {
    List<Entry> entries =
        List.of(
            new Entry(names.server(), "tls.crt", InstalledCertificates.SERVER_CRT),
            new Entry(names.server(), "tls.key", InstalledCertificates.SERVER_KEY),
            new Entry(names.serverCa(), "ca.crt", InstalledCertificates.SERVER_CA),
            new Entry(names.clientCa(), "ca.crt", InstalledCertificates.CLIENT_CA),
            new Entry(names.replication(), "tls.crt", InstalledCertificates.REPLICATION_CRT),
            new Entry(names.replication(), "tls.key", InstalledCertificates.REPLICATION_KEY));
    List<byte[]> values = new ArrayList<>();
    for (Entry e : entries) {
      Optional<byte[]> value = source.secret(e.secret(), e.key());
      if (value.isEmpty()) {
        throw new IOException(
            "Secret "
                + e.secret()
                + " has no key "
                + e.key()
                + " (expected "
                + source.describeSecret(e.secret(), e.key())
                + ")");
      }
      values.add(value.get());
    }
    return new TlsSecrets(entries, values);
  }

  /** Parses and validates the set once, for every consumer of it. */
  public TlsMaterial validate(Instant now) throws TlsMaterialException {
    return TlsMaterial.validate(
        values.get(0),
        values.get(1),
        values.get(2),
        values.get(3),
        values.get(4),
        values.get(5),
        now);
  }

  /** {@link TlsMaterial#digest()} of this material, from the bytes alone (nothing parsed). */
  public String digest() {
    Map<String, byte[]> files = new LinkedHashMap<>();
    for (int i = 0; i < entries.size(); i++) {
      files.put(entries.get(i).installedName(), values.get(i));
    }
    return TlsMaterial.digestOf(files);
  }

  /** Whether every installed file already holds exactly these bytes (validated when installed). */
  public boolean matchesInstalled(Path certificatesDir) throws IOException {
    for (int i = 0; i < entries.size(); i++) {
      Path installed = certificatesDir.resolve(entries.get(i).installedName());
      if (!Files.isRegularFile(installed)
          || !Arrays.equals(values.get(i), Files.readAllBytes(installed))) {
        return false;
      }
    }
    return true;
  }
}
