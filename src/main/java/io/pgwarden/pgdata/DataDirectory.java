package io.pgwarden.pgdata;

import java.io.IOException;
import java.nio.file.DirectoryStream;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermission;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.Iterator;
import java.util.Set;

/**
 * Checks PGDATA before anything touches it, with the checks postgres itself would make later
 * (owner, mode), so the failure is one clear line instead of a postmaster that exits at once.
 */
public final class DataDirectory {
  /** What was found at PGDATA. */
  public enum State {
    /** Missing or empty: bootstrap it with initdb. */
    EMPTY,
    /** Holds a cluster ({@code PG_VERSION}). */
    INITIALIZED
  }

  private static final Set<PosixFilePermission> MODE_0700 =
      PosixFilePermissions.fromString("rwx------");
  private static final Set<PosixFilePermission> MODE_0750 =
      PosixFilePermissions.fromString("rwxr-x---");

  private DataDirectory() {}

  /**
   * Inspects {@code dir} and says whether it needs a bootstrap.
   *
   * @param flag how the user names this directory ({@code --data} or {@code PGDATA}), for messages
   */
  public static State inspect(Path dir, String flag)
      throws InvalidDataDirectoryException, IOException {
    if (!Files.exists(dir, LinkOption.NOFOLLOW_LINKS)) {
      return State.EMPTY;
    }
    if (!Files.isDirectory(dir)) {
      throw new InvalidDataDirectoryException(
          flag + ": " + dir + " exists and is not a directory; point " + flag + " at a directory");
    }
    int owner = (Integer) Files.getAttribute(dir, "unix:uid");
    int self = currentUid();
    if (owner != self) {
      throw new InvalidDataDirectoryException(
          flag
              + ": "
              + dir
              + " is owned by uid "
              + owner
              + " but pgwarden runs as uid "
              + self
              + "; postgres requires its data directory to belong to the user it runs as (chown it,"
              + " or run pgwarden as its owner)");
    }
    Set<PosixFilePermission> mode = Files.getPosixFilePermissions(dir);
    boolean empty = isEmpty(dir);
    if (!empty && !mode.equals(MODE_0700) && !mode.equals(MODE_0750)) {
      throw new InvalidDataDirectoryException(
          flag
              + ": "
              + dir
              + " has mode "
              + PosixFilePermissions.toString(mode)
              + "; postgres requires rwx------ (0700) or rwxr-x--- (0750): chmod 0700 it");
    }
    if (empty) {
      return State.EMPTY;
    }
    if (!Files.isRegularFile(dir.resolve("PG_VERSION"))) {
      throw new InvalidDataDirectoryException(
          flag
              + ": "
              + dir
              + " is not empty and holds no PostgreSQL cluster (no PG_VERSION); pgwarden"
              + " initialises only an empty directory: choose another one or empty it");
    }
    return State.INITIALIZED;
  }

  /** The major version in {@code PG_VERSION}. */
  public static int majorVersion(Path dir) throws IOException {
    return Integer.parseInt(Files.readString(dir.resolve("PG_VERSION")).trim());
  }

  /** The effective uid of this process, read without native code. */
  public static int currentUid() throws IOException {
    return (Integer) Files.getAttribute(Path.of("/proc/self"), "unix:uid");
  }

  private static boolean isEmpty(Path dir) throws IOException {
    try (DirectoryStream<Path> s = Files.newDirectoryStream(dir)) {
      Iterator<Path> it = s.iterator();
      return !it.hasNext();
    }
  }
}
