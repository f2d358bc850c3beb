package io.pgwarden.source;

import io.pgwarden.pgdata.AtomicFiles;
import io.pgwarden.spec.Cluster;
import io.pgwarden.spec.InvalidSpecException;
import io.pgwarden.spec.SpecParser;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.security.SecureRandom;
import java.util.Optional;

/**
 * Standalone mode's source: the Cluster from a YAML file (defaults without one), Secrets and
 * ConfigMaps from directories laid out as Kubernetes mounts them, {@code DIR/<name>/<key>}.
 */
public final class LocalSource implements Source {
  private static final char[] ALPHANUMERIC =
      "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789".toCharArray();
  private static final int PASSWORD_LENGTH = 32;
  private static final SecureRandom RANDOM = new SecureRandom();

  private final Optional<Path> specFile;
  private final Path secretsDir;
  private final Path configMapsDir;

  public LocalSource(Optional<Path> specFile, Path secretsDir, Path configMapsDir) {
    this.specFile = specFile;
    this.secretsDir = secretsDir;
    this.configMapsDir = configMapsDir;
  }

  @Override
  public Cluster cluster() throws InvalidSpecException, IOException {
    if (specFile.isEmpty()) {
      return Cluster.defaults();
    }
    return SpecParser.parse(Files.readAllBytes(specFile.get()), specFile.get().toString());
  }

  @Override
  public Optional<byte[]> secret(String name, String key) throws IOException {
    return read(secretsDir, name, key);
  }

  @Override
  public Optional<byte[]> configMap(String name, String key) throws IOException {
    return read(configMapsDir, name, key);
  }

  @Override
  public String describeSecret(String name, String key) {
    return "the file " + secretsDir.resolve(name).resolve(key);
  }

  /**
   * The owner's credentials from Secret {@code name} ({@code username}, {@code password}); what is
   * missing is generated on first start (a random 32-character password) and kept there, 0600, so a
   * second start reuses it and the user can read it.
   */
  @Override
  public Credentials ownerCredentials(String name, String defaultUser) throws IOException {
    try {
      return readOrGenerate(name, defaultUser);
    } catch (IOException e) {
      throw new IOException(
          "--secrets: "
              + e.getMessage()
              + "; "
              + secretsDir
              + " must be readable and writable by pgwarden's user",
          e);
    }
  }

  private Credentials readOrGenerate(String name, String defaultUser) throws IOException {
    Optional<String> user = secret(name, "username").map(LocalSource::text);
    Optional<String> password = secret(name, "password").map(LocalSource::text);
    Path dir = secretsDir.resolve(name);
    if (user.isEmpty()) {
      createPrivateDirectory(dir);
      AtomicFiles.install(
          dir.resolve("username"),
          defaultUser.getBytes(StandardCharsets.UTF_8),
          AtomicFiles.OWNER_ONLY);
    }
    if (password.isEmpty()) {
      createPrivateDirectory(dir);
      char[] generated = generatePassword();
      AtomicFiles.install(
          dir.resolve("password"),
          new String(generated).getBytes(StandardCharsets.UTF_8),
          AtomicFiles.OWNER_ONLY);
      password = Optional.of(new String(generated));
    }
    return new Credentials(user.orElse(defaultUser), password.get().toCharArray());
  }

  @Override
  public Optional<Credentials> credentials(String name) throws IOException {
    Optional<String> user = secret(name, "username").map(LocalSource::text);
    Optional<String> password = secret(name, "password").map(LocalSource::text);
    if (user.isEmpty() || password.isEmpty()) {
      return Optional.empty();
    }
    return Optional.of(new Credentials(user.get(), password.get().toCharArray()));
  }

  private static Optional<byte[]> read(Path root, String name, String key) throws IOException {
    try {
      return Optional.of(Files.readAllBytes(root.resolve(name).resolve(key)));
    } catch (NoSuchFileException e) {
      return Optional.empty();
    }
  }

  /** A hand-written file often ends with a newline that is not part of the value. */
  private static String text(byte[] value) {
    String s = new String(value, StandardCharsets.UTF_8);
    return s.endsWith("\n") ? s.substring(0, s.length() - 1) : s;
  }

  private static void createPrivateDirectory(Path dir) throws IOException {
    if (!Files.isDirectory(dir)) {
      Files.createDirectories(
          dir, PosixFilePermissions.asFileAttribute(PosixFilePermissions.fromString("rwx------")));
    }
  }

  private static char[] generatePassword() {
    char[] out = new char[PASSWORD_LENGTH];
    for (int i = 0; i < out.length; i++) {
      out[i] = ALPHANUMERIC[RANDOM.nextInt(ALPHANUMERIC.length)];
    }
    return out;
  }
}
