package io.pgwarden.pgdata;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;

/**
 * {@code .pgpass} files ({@code host:port:database:user:password}, one line), 0600, for clients
 * that run beside postgres. {@code \} and {@code :} in a field are escaped with {@code \}, as libpq
 * reads them.
 */
public final class PgPass {
  private PgPass() {}

  /** The line for {@code user} on any host and database at {@code port}. */
  public static String line(int port, String user, char[] password) {
    return "*:" + port + ":*:" + escape(user) + ":" + escape(new String(password)) + "\n";
  }

  /** Escapes one field. A newline cannot be represented and is refused. */
  static String escape(String field) {
    if (field.indexOf('\n') >= 0 || field.indexOf('\r') >= 0) {
      throw new IllegalArgumentException("a .pgpass field cannot hold a line break");
    }
    return field.replace("\\", "\\\\").replace(":", "\\:");
  }

  /** Writes {@code file} atomically, 0600; returns whether it changed. */
  public static boolean install(Path file, String content) throws IOException {
    return AtomicFiles.install(
        file, content.getBytes(StandardCharsets.UTF_8), AtomicFiles.OWNER_ONLY);
  }
}
