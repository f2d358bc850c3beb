package io.pgwarden.pgconf;

import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.HexFormat;

/** Lowercase hex SHA-256 of the UTF-8 bytes of a text, as written to disk. */
public final class Sha256 {
  private Sha256() {}

  public static String hex(String text) {
    try {
      return HexFormat.of()
          .formatHex(
              MessageDigest.getInstance("SHA-256").digest(text.getBytes(StandardCharsets.UTF_8)));
    } catch (NoSuchAlgorithmException e) {
      // Every Java platform is required to provide SHA-256 (MessageDigest Javadoc).
      throw new IllegalStateException("while hashing configuration: SHA-256 is unavailable", e);
    }
  }
}
