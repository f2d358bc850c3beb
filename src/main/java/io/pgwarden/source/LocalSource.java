package io.pgwarden.source;

import io.pgwarden.pgdata.AtomicFiles;
import io.pgwarden.spec.Cluster;
import io.pgwarden.spec.InvalidSpecException;
import io.pgwarden.spec.SpecParser;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
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
    Path file = specFile.get();
    String what = file.toString();
    // The operator chose this path: it may be a link anywhere (a mounted ConfigMap), but what it
    // leads to must be a regular file of at most 1 MiB, refused before it is read in full.
    Path real = file.toRealPath();
    long size = MountedFiles.regularFile(real, what).size();
    if (size > InputLimits.MAX_BYTES) {
      throw SpecParser.tooLarge(what, size);
    }
    byte[] content = MountedFiles.readAtMost(real, InputLimits.MAX_BYTES);
    if (content.length > InputLimits.MAX_BYTES) {
      throw SpecParser.tooLarge(what, -1); // it grew since its size was read
    }
    return SpecParser.parse(content, what);
  }

  @Override
  public Optional<byte[]> secret(String name, String key) throws IOException {
    return MountedFiles.readKey(secretsDir, "Secret", name, key);
  }

  @Override
  public Optional<byte[]> configMap(String name, String key) throws IOException {
    return MountedFiles.readKey(configMapsDir, "ConfigMap", name, key);
  }

  @Override
  public String describeSecret(String name, String key) {
    return "the file " + secretsDir.resolve(name).resolve(key);
  }

  /**
   * The owner's credentials from Secret {@code name} ({@code username}, {@code password}); what is
   * missing is generated on first start (a random 32-character password) and kept there, 0600, so a
   * second start reuses it and the user can read it. A value that is there but refused (a control
   * character, a link out of the Secret's directory, over 1 MiB) is never replaced.
   */
  @Override
  public Credentials ownerCredentials(String name, String defaultUser) throws IOException {
    try {
      return readOrGenerate(name, defaultUser);
    } catch (InputRefusedException e) {
      throw e;
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
    Optional<String> user = text(name, "username");
    Optional<char[]> password = credential(name, "password");
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
      password = Optional.of(generated);
    }
    return new Credentials(user.orElse(defaultUser), password.get());
  }

  @Override
  public Optional<Credentials> credentials(String name) throws IOException {
    Optional<String> user = text(name, "username");
    Optional<char[]> password = credential(name, "password");
    if (user.isEmpty() || password.isEmpty()) {
      return Optional.empty();
    }
    return Optional.of(new Credentials(user.get(), password.get()));
  }

  /**
   * A user name or password from Secret {@code name}: a hand-written file often ends with a newline
   * that is not part of the value; any other control character is refused by name.
   */
  private Optional<char[]> credential(String name, String key) throws IOException {
    Optional<byte[]> value = secret(name, key);
    if (value.isEmpty()) {
      return Optional.empty();
    }
    return Optional.of(InputLimits.credential(value.get(), "Secret " + name + " key " + key, true));
  }

  private Optional<String> text(String name, String key) throws IOException {
    return credential(name, key).map(String::new);
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
