package io.pgwarden.pgdata;

import io.pgwarden.spec.BootstrapSpec.InitdbSpec;
import io.pgwarden.supervisor.Commands;
import java.io.IOException;
import java.nio.file.DirectoryStream;
import java.nio.file.FileVisitResult;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.SimpleFileVisitor;
import java.nio.file.StandardCopyOption;
import java.nio.file.attribute.BasicFileAttributes;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;

/**
 * Bootstraps an empty data directory. initdb runs into a sibling temporary directory, the first
 * configuration is installed there, and only then is it renamed into place: a data directory is
 * either absent, empty, or a complete cluster with its configuration, never half initialised.
 */
public final class Initdb {
  private static final Duration TIMEOUT = Duration.ofMinutes(10);

  /** Installs the first configuration into the new cluster before it becomes visible. */
  public interface Finisher {
    void finish(Path newDataDir) throws IOException;
  }

  private Initdb() {}

  public static void run(
      Commands commands, Path pgBin, Path dataDir, InitdbSpec spec, Finisher finisher)
      throws IOException, InterruptedException {
    Path parent = dataDir.getParent();
    if (parent == null) {
      throw new IOException("the data directory " + dataDir + " cannot be the root directory");
    }
    Files.createDirectories(parent);
    Path staging = parent.resolve("." + dataDir.getFileName() + ".initdb");
    deleteTree(staging); // what a crashed earlier attempt left behind
    List<String> cmd = new ArrayList<>();
    cmd.add(pgBin.resolve("initdb").toString());
    cmd.add("--pgdata=" + staging);
    cmd.add("--username=postgres");
    cmd.add("--encoding=" + spec.encoding());
    cmd.add("--locale=C");
    cmd.add("--auth-local=peer");
    cmd.add("--auth-host=scram-sha-256");
    cmd.add("--no-instructions");
    if (spec.dataChecksums()) {
      cmd.add("--data-checksums");
    }
    try {
      commands.run(cmd, parent, TIMEOUT);
      finisher.finish(staging);
      moveIntoPlace(staging, dataDir);
    } finally {
      deleteTree(staging);
    }
  }

  private static void moveIntoPlace(Path staging, Path dataDir) throws IOException {
    if (Files.isDirectory(dataDir)) {
      try {
        Files.delete(dataDir); // empty, checked by DataDirectory.inspect
      } catch (IOException e) {
        // A mount point cannot be removed: move the content in instead, PG_VERSION last, so that
        // a crash in between leaves a directory that is refused, not one taken for a cluster.
        moveContent(staging, dataDir);
        return;
      }
    }
    Files.move(staging, dataDir, StandardCopyOption.ATOMIC_MOVE);
  }

  private static void moveContent(Path from, Path to) throws IOException {
    try (DirectoryStream<Path> entries = Files.newDirectoryStream(from)) {
      for (Path entry : entries) {
        Path name = entry.getFileName();
        if (name != null && !name.toString().equals("PG_VERSION")) {
          Files.move(entry, to.resolve(name), StandardCopyOption.ATOMIC_MOVE);
        }
      }
    }
    Files.move(
        from.resolve("PG_VERSION"), to.resolve("PG_VERSION"), StandardCopyOption.ATOMIC_MOVE);
    Files.setPosixFilePermissions(to, Files.getPosixFilePermissions(from));
  }

  static void deleteTree(Path root) throws IOException {
    if (!Files.exists(root)) {
      return;
    }
    Files.walkFileTree(
        root,
        new SimpleFileVisitor<>() {
          @Override
          public FileVisitResult visitFile(Path file, BasicFileAttributes attrs)
              throws IOException {
            Files.delete(file);
            return FileVisitResult.CONTINUE;
          }

          @Override
          public FileVisitResult postVisitDirectory(Path dir, IOException exc) throws IOException {
            if (exc != null) {
              throw exc;
            }
            Files.delete(dir);
            return FileVisitResult.CONTINUE;
          }
        });
  }
}
