package io.pgwarden.pgdata;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermission;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
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

  /** Every file {@link #install} writes. */
  private static final List<String> MANAGED =
      List.of("custom.conf", "pg_hba.conf", "pg_ident.conf", "override.conf", "postgresql.conf");

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

  /** The files {@link #install} may change, as they are now, to put back when postgres refuses. */
  public static Snapshot snapshot(Path dataDir) throws IOException {
    Map<String, byte[]> contents = new LinkedHashMap<>();
    for (String name : MANAGED) {
      try {
        contents.put(name, Files.readAllBytes(dataDir.resolve(name)));
      } catch (NoSuchFileException e) {
        contents.put(name, null);
      }
    }
    return new Snapshot(dataDir, contents);
  }

  /** Files as they were: {@link #restore()} puts each back atomically (a file absent then goes). */
  public static final class Snapshot {
    private final Path dataDir;
    private final Map<String, byte[]> contents;

    private Snapshot(Path dataDir, Map<String, byte[]> contents) {
      this.dataDir = dataDir;
      this.contents = contents;
    }

    public void restore() throws IOException {
      for (Map.Entry<String, byte[]> file : contents.entrySet()) {
        Path path = dataDir.resolve(file.getKey());
        if (file.getValue() == null) {
          Files.deleteIfExists(path);
        } else {
          AtomicFiles.install(path, file.getValue(), MODE_0600);
        }
      }
    }
  }
}
