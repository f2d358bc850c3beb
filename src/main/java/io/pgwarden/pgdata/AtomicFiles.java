package io.pgwarden.pgdata;

import edu.umd.cs.findbugs.annotations.SuppressFBWarnings;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.file.AtomicMoveNotSupportedException;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.StandardOpenOption;
import java.nio.file.attribute.PosixFilePermission;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.Arrays;
import java.util.Set;

/**
 * Installs files the only way pgwarden writes them: to a temporary file in the same directory,
 * fsync, rename over the target, fsync the directory. A reader (postgres, a kubelet probe) sees
 * either the old content or the new one, never half of it, and a crash leaves the old file.
 */
public final class AtomicFiles {
  /** Owner read and write only: keys, passwords, .pgpass. */
  public static final Set<PosixFilePermission> OWNER_ONLY =
      PosixFilePermissions.fromString("rw-------");

  private AtomicFiles() {}

  /**
   * Writes {@code content} to {@code target} with {@code permissions} unless the file already holds
   * exactly that content with those permissions.
   *
   * @return true when the file was written (it was missing or different)
   */
  @SuppressFBWarnings(
      value = "PATH_TRAVERSAL_IN",
      justification =
          "targets are pgwarden's own layout under the operator's --data, --controller-dir and --secrets flags")
  public static boolean install(Path target, byte[] content, Set<PosixFilePermission> permissions)
      throws IOException {
    if (sameContent(target, content)) {
      if (!Files.getPosixFilePermissions(target).equals(permissions)) {
        Files.setPosixFilePermissions(target, permissions);
      }
      return false;
    }
    Path dir = target.toAbsolutePath().getParent();
    if (dir == null) {
      throw new IOException("cannot install " + target + ": it has no parent directory");
    }
    Files.createDirectories(dir);
    Path tmp =
        Files.createTempFile(
            dir,
            "." + target.getFileName(),
            ".tmp",
            PosixFilePermissions.asFileAttribute(permissions));
    try {
      try (FileChannel ch = FileChannel.open(tmp, StandardOpenOption.WRITE)) {
        ByteBuffer buf = ByteBuffer.wrap(content);
        while (buf.hasRemaining()) {
          ch.write(buf);
        }
        ch.force(true);
      }
      // createTempFile applies the umask; set the exact mode before the file becomes visible.
      Files.setPosixFilePermissions(tmp, permissions);
      try {
        Files.move(tmp, target, StandardCopyOption.ATOMIC_MOVE);
      } catch (AtomicMoveNotSupportedException e) {
        throw new IOException("while installing " + target + ": rename is not atomic here", e);
      }
      fsyncDirectory(dir);
      return true;
    } finally {
      Files.deleteIfExists(tmp);
    }
  }

  private static boolean sameContent(Path target, byte[] content) throws IOException {
    try {
      if (Files.size(target) != content.length) {
        return false;
      }
      return Arrays.equals(Files.readAllBytes(target), content);
    } catch (NoSuchFileException e) {
      return false;
    }
  }

  private static void fsyncDirectory(Path dir) throws IOException {
    try (FileChannel ch = FileChannel.open(dir, StandardOpenOption.READ)) {
      ch.force(true);
    }
  }
}
