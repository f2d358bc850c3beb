package io.pgwarden.tls;

import java.nio.ByteBuffer;
import java.security.GeneralSecurityException;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.LinkedHashMap;
import java.util.Map;

/**
 * The signature checks that already passed, by a SHA-256 digest of what they checked: whether a key
 * belongs to a certificate, or a CA signed a certificate, does not change with time, and a
 * reconcile every 30 s reads the same material again, where an EC sign-and-verify was the costliest
 * step. Only passes are kept (a failure is checked again, and says why again); the digests reveal
 * nothing of a key. Bounded: the {@value #CAPACITY} most recently used.
 */
final class ProvenChecks {
  static final int CAPACITY = 32;

  private final Map<ByteBuffer, Boolean> proven = new Recent();

  /** A map in access order that drops its eldest entry beyond {@link #CAPACITY}. */
  private static final class Recent extends LinkedHashMap<ByteBuffer, Boolean> {
    private static final long serialVersionUID = 1L;

    Recent() {
      super(CAPACITY * 2, 0.75f, true);
    }

    @Override
    protected boolean removeEldestEntry(Map.Entry<ByteBuffer, Boolean> eldest) {
      return this.size() > CAPACITY;
    }
  }

  /** One check: its kind and the encoded inputs. */
  @FunctionalInterface
  interface Check {
    void run() throws TlsMaterialException;
  }

  /**
   * Runs {@code check} unless the same kind of check passed on the same {@code inputs}; empty or
   * null inputs (material without an encoding) are always checked.
   */
  void run(String kind, Check check, byte[]... inputs) throws TlsMaterialException {
    ByteBuffer digest = digest(kind, inputs);
    if (digest != null && seen(digest)) {
      return;
    }
    check.run();
    if (digest != null) {
      synchronized (proven) {
        proven.put(digest, Boolean.TRUE);
      }
    }
  }

  private boolean seen(ByteBuffer digest) {
    synchronized (proven) {
      return proven.get(digest) != null;
    }
  }

  int size() {
    synchronized (proven) {
      return proven.size();
    }
  }

  private static ByteBuffer digest(String kind, byte[]... inputs) {
    try {
      MessageDigest sha = MessageDigest.getInstance("SHA-256");
      sha.update(kind.getBytes(java.nio.charset.StandardCharsets.US_ASCII));
      for (byte[] input : inputs) {
        if (input == null || input.length == 0) {
          return null;
        }
        // Lengths first, so that no two different sequences of inputs digest alike.
        sha.update(ByteBuffer.allocate(4).putInt(0, input.length));
        sha.update(input);
      }
      return ByteBuffer.wrap(sha.digest());
    } catch (NoSuchAlgorithmException e) {
      throw new IllegalStateException("SHA-256 is in every JDK", e);
    }
  }

  /** {@code certificate}'s DER encoding, or empty when it has none. */
  static byte[] encoded(java.security.cert.Certificate certificate) {
    try {
      return certificate.getEncoded();
    } catch (GeneralSecurityException e) {
      return new byte[0];
    }
  }
}
