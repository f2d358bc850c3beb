package io.pgwarden.pgdata;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermission;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;
import java.util.function.UnaryOperator;

/**
 * Installs the rendered configuration into PGDATA, each file atomically and only when its content
 * changed, and says which ones changed so the caller can decide between nothing, a reload and a
 * restart.
 */
public final class ConfigFiles {
  private static final Set<PosixFilePermission> MODE_0600 =
      PosixFilePermissions.fromString("rw-------");

  /** What postgres reads, rendered by {@code io.pgwarden.pgconf}. */
  public record Rendered(String customConf, String hbaConf, String identConf) {}

  private ConfigFiles() {}

  /**
   * Installs every file whose content differs.
   *
   * @param withIncludes turns initdb's postgresql.conf into one ending with the include lines
   * @return the names of the files that changed
   */
  public static List<String> install(
      Path dataDir, Rendered rendered, UnaryOperator<String> withIncludes) throws IOException {
    List<String> changed = new ArrayList<>();
    write(dataDir, "custom.conf", rendered.customConf(), changed);
    write(dataDir, "pg_hba.conf", rendered.hbaConf(), changed);
    write(dataDir, "pg_ident.conf", rendered.identConf(), changed);
    Path override = dataDir.resolve("override.conf");
    if (!Files.exists(override)) {
      write(dataDir, "override.conf", "", changed);
    }
    String main;
    try {
      main = Files.readString(dataDir.resolve("postgresql.conf"), StandardCharsets.UTF_8);
    } catch (NoSuchFileException e) {
      main = "";
    }
    write(dataDir, "postgresql.conf", withIncludes.apply(main), changed);
    return changed;
  }

  private static void write(Path dir, String name, String content, List<String> changed)
      throws IOException {
    if (AtomicFiles.install(
        dir.resolve(name), content.getBytes(StandardCharsets.UTF_8), MODE_0600)) {
      changed.add(name);
    }
  }
}
