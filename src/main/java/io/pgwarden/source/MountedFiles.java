package io.pgwarden.source;

import java.io.IOException;
import java.io.InputStream;
import java.nio.channels.Channels;
import java.nio.channels.FileChannel;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.nio.file.attribute.BasicFileAttributes;
import java.util.Optional;

/**
 * Bounded, confined reads of the files standalone mode takes from outside. A Secret or ConfigMap
 * key is {@code DIR/<name>/<key>}, as Kubernetes mounts it: a symbolic link is followed only while
 * it stays inside the object's own directory (a mounted Secret's {@code <key> -> ..data/<key>},
 * {@code ..data -> ..2026_12_08_...}), so a key linked to {@code /etc/passwd} or to another
 * Secret's file (the CA's private key) is refused by name. The final, real path is opened without
 * following links, and nothing reads more than {@link InputLimits#MAX_BYTES} + 1 bytes.
 */
final class MountedFiles {
  private MountedFiles() {}

  /**
   * The value of {@code key} in the object {@code name} under {@code root}; empty when the
   * directory or the key does not exist.
   *
   * @param kind {@code Secret} or {@code ConfigMap}, for messages
   * @throws InputRefusedException naming the object and key when the file leads out of the object's
   *     directory, is not a regular file of its own, or is over the limit
   */
  static Optional<byte[]> readKey(Path root, String kind, String name, String key)
      throws IOException {
    String what = kind + " " + name + " key " + key;
    if (!plainName(name) || !plainName(key)) {
      throw new InputRefusedException(what + ": not a plain file name; refused");
    }
    Path dir = root.resolve(name);
    Path file = dir.resolve(key);
    Path realDir;
    Path real;
    try {
      realDir = dir.toRealPath();
      real = file.toRealPath();
    } catch (NoSuchFileException e) {
      return Optional.empty(); // no such object, no such key, or a link to nothing
    }
    String where = what + " (" + file + ")";
    if (!real.startsWith(realDir) || real.equals(realDir)) {
      throw new InputRefusedException(
          where
              + ": leads to "
              + real
              + ", outside the "
              + kind
              + "'s own directory "
              + realDir
              + "; refused: only links inside it (a mounted "
              + kind
              + "'s ..data) are followed");
    }
    BasicFileAttributes attributes = regularFile(real, where);
    Object links = Files.getAttribute(real, "unix:nlink", LinkOption.NOFOLLOW_LINKS);
    if (links instanceof Integer n && n > 1) {
      throw new InputRefusedException(
          where + ": has " + n + " hard links; refused: a key must be a file of its own");
    }
    InputLimits.checkSize(attributes.size(), where);
    byte[] value = readAtMost(real, InputLimits.MAX_BYTES);
    if (value.length > InputLimits.MAX_BYTES) {
      throw InputLimits.tooLarge(where, -1); // it grew since its size was read
    }
    return Optional.of(value);
  }

  /** The attributes of {@code real}, refused by name unless it is a regular file. */
  static BasicFileAttributes regularFile(Path real, String what) throws IOException {
    BasicFileAttributes attributes =
        Files.readAttributes(real, BasicFileAttributes.class, LinkOption.NOFOLLOW_LINKS);
    if (!attributes.isRegularFile()) {
      // A FIFO or a device would block the reader or never end.
      throw new InputRefusedException(what + ": is not a regular file; refused");
    }
    return attributes;
  }

  /**
   * At most {@code max} + 1 bytes of {@code real}, opened without following a link (a link swapped
   * in since {@code real} was resolved is refused by the kernel): more than {@code max} bytes read
   * tells the caller the file is over the limit.
   */
  static byte[] readAtMost(Path real, int max) throws IOException {
    try (FileChannel channel =
            FileChannel.open(real, StandardOpenOption.READ, LinkOption.NOFOLLOW_LINKS);
        InputStream in = Channels.newInputStream(channel)) {
      return in.readNBytes(max + 1);
    }
  }

  /** A single path element that is not {@code .} or {@code ..} (nor a hidden {@code ..data}). */
  private static boolean plainName(String name) {
    return !name.isEmpty()
        && name.indexOf('/') < 0
        && name.indexOf('\0') < 0
        && !name.startsWith("..")
        && !".".equals(name);
  }
}
