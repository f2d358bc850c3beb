package io.pgwarden.pgdata;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.channels.FileLock;
import java.nio.channels.OverlappingFileLockException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.OpenOption;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.Set;

/**
 * Exclusive locks that make one pgwarden the only writer of a data directory and of a controller
 * directory: taken before any file is touched and held for the life of the process (the kernel
 * drops them when it dies, so a crash leaves nothing to clean). The data directory's lock file
 * lives beside it ({@code .<name>.pgwarden.lock} in its parent), since PGDATA itself must be empty
 * for initdb; the controller's inside it.
 */
public final class InstanceLock implements AutoCloseable {
  private final List<FileChannel> channels;

  private InstanceLock(List<FileChannel> channels) {
    this.channels = channels;
  }

  /** Where the lock of {@code dataDir} is kept. */
  public static Path dataLockFile(Path dataDir) {
    Path absolute = dataDir.toAbsolutePath().normalize();
    Path parent = absolute.getParent();
    Path name = absolute.getFileName();
    if (parent == null || name == null) {
      return absolute.resolve(".pgwarden.lock"); // PGDATA is the root directory
    }
    return parent.resolve("." + name + ".pgwarden.lock");
  }

  /**
   * Takes both locks, or none.
   *
   * @throws LockedException naming the flag and the process that holds a lock
   * @throws IOException when a lock file cannot be created
   */
  public static InstanceLock acquire(Path dataDir, Path controllerDir) throws IOException {
    List<FileChannel> held = new ArrayList<>();
    try {
      held.add(lock(dataLockFile(dataDir), "--data", dataDir));
      held.add(lock(controllerDir.resolve("pgwarden.lock"), "--controller-dir", controllerDir));
      return new InstanceLock(held);
    } catch (IOException | RuntimeException e) {
      for (FileChannel channel : held) {
        channel.close();
      }
      throw e;
    }
  }

  private static FileChannel lock(Path file, String flag, Path dir) throws IOException {
    Path parent = file.toAbsolutePath().getParent();
    if (parent != null) {
      Files.createDirectories(parent);
    }
    if (Files.isSymbolicLink(file)) {
      throw new IOException(flag + ": the lock file " + file + " is a symbolic link; remove it");
    }
    FileChannel channel =
        FileChannel.open(
            file,
            Set.<OpenOption>of(
                StandardOpenOption.CREATE,
                StandardOpenOption.READ,
                StandardOpenOption.WRITE,
                LinkOption.NOFOLLOW_LINKS),
            PosixFilePermissions.asFileAttribute(PosixFilePermissions.fromString("rw-------")));
    try {
      FileLock lock;
      try {
        lock = channel.tryLock();
      } catch (OverlappingFileLockException e) {
        lock = null; // this very process holds it already
      }
      if (lock == null) {
        throw new LockedException(
            flag
                + ": "
                + dir
                + " is in use by another pgwarden"
                + holder(file).map(pid -> " (pid " + pid + ")").orElse("")
                + "; only one may manage it at a time (lock file "
                + file
                + ")");
      }
      channel.truncate(0);
      channel.write(
          ByteBuffer.wrap(
              (ProcessHandle.current().pid() + "\n").getBytes(StandardCharsets.US_ASCII)),
          0);
      return channel;
    } catch (IOException | RuntimeException e) {
      channel.close();
      throw e;
    }
  }

  private static Optional<String> holder(Path file) {
    try {
      String pid = Files.readString(file, StandardCharsets.US_ASCII).strip();
      return pid.matches("[0-9]{1,10}") ? Optional.of(pid) : Optional.empty();
    } catch (IOException e) {
      return Optional.empty();
    }
  }

  /** Releases both locks. */
  @Override
  public void close() throws IOException {
    for (FileChannel channel : channels) {
      channel.close();
    }
  }

  /** Another process holds a lock; the message names the flag, the directory and the holder. */
  public static final class LockedException extends IOException {
    private static final long serialVersionUID = 1L;

    LockedException(String message) {
      super(message);
    }
  }
}
