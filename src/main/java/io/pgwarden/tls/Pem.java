package io.pgwarden.tls;

import java.io.ByteArrayInputStream;
import java.nio.charset.StandardCharsets;
import java.security.GeneralSecurityException;
import java.security.KeyFactory;
import java.security.PrivateKey;
import java.security.cert.CertificateException;
import java.security.cert.CertificateFactory;
import java.security.cert.X509Certificate;
import java.security.spec.InvalidKeySpecException;
import java.security.spec.PKCS8EncodedKeySpec;
import java.util.ArrayList;
import java.util.Base64;
import java.util.List;

/**
 * PEM in and out. Reading certificates and PKCS#8 keys uses only the JDK, so that the common path
 * (every start of every pod) never loads BouncyCastle; PKCS#1 and SEC1 keys go to {@link
 * LegacyKeys}. Keys are always written as PKCS#8.
 *
 * <p>Every method that reads takes a {@code source} such as {@code "secret pgwarden-server key
 * tls.key"}; error messages start with it.
 */
public final class Pem {
  static final String CERTIFICATE = "CERTIFICATE";
  static final String PRIVATE_KEY = "PRIVATE KEY";
  private static final String BEGIN = "-----BEGIN ";
  private static final String END = "-----END ";
  private static final String DASHES = "-----";
  // PKCS#8 names its algorithm inside; trying the few a server key can have is cheaper than
  // parsing the AlgorithmIdentifier ourselves.
  private static final List<String> KEY_ALGORITHMS = List.of("EC", "RSA", "Ed25519", "RSASSA-PSS");

  private Pem() {}

  /** One {@code -----BEGIN type-----} block, decoded. */
  private static final class Block {
    private final String type;
    private final byte[] der;

    Block(String type, byte[] der) {
      this.type = type;
      this.der = der;
    }

    String type() {
      return type;
    }

    byte[] der() {
      return der;
    }
  }

  /**
   * Reads every {@code CERTIFICATE} block, leaf first as written.
   *
   * @throws TlsMaterialException when there is none or one is not X.509
   */
  public static List<X509Certificate> certificates(byte[] pem, String source)
      throws TlsMaterialException {
    List<X509Certificate> out = new ArrayList<>();
    CertificateFactory factory;
    try {
      factory = CertificateFactory.getInstance("X.509");
    } catch (CertificateException e) {
      throw new IllegalStateException("the JDK has no X.509 certificate factory", e);
    }
    for (Block block : blocks(pem, source)) {
      if (!CERTIFICATE.equals(block.type())) {
        continue;
      }
      try {
        out.add(
            (X509Certificate) factory.generateCertificate(new ByteArrayInputStream(block.der())));
      } catch (CertificateException e) {
        throw new TlsMaterialException(
            source
                + ": certificate "
                + (out.size() + 1)
                + " is not a valid X.509 certificate ("
                + e.getMessage()
                + ")",
            e);
      }
    }
    if (out.isEmpty()) {
      throw new TlsMaterialException(
          source + ": no certificate found (expected a -----BEGIN CERTIFICATE----- block)");
    }
    return List.copyOf(out);
  }

  /**
   * Reads the one private key: PKCS#8 ({@code PRIVATE KEY}) with the JDK, PKCS#1 ({@code RSA
   * PRIVATE KEY}) and SEC1 ({@code EC PRIVATE KEY}) with BouncyCastle. Encrypted keys are refused.
   */
  public static PrivateKey privateKey(byte[] pem, String source) throws TlsMaterialException {
    Block key = null;
    for (Block block : blocks(pem, source)) {
      if (block.type().endsWith(PRIVATE_KEY)) {
        if (key != null) {
          throw new TlsMaterialException(
              source + ": more than one private key found; keep only the one for the certificate");
        }
        key = block;
      }
    }
    if (key == null) {
      throw new TlsMaterialException(
          source + ": no private key found (expected a -----BEGIN PRIVATE KEY----- block)");
    }
    return switch (key.type()) {
      case PRIVATE_KEY -> pkcs8(key.der(), source);
      case LegacyKeys.PKCS1, LegacyKeys.SEC1 -> LegacyKeys.read(key.type(), key.der(), source);
      case "ENCRYPTED PRIVATE KEY" ->
          throw new TlsMaterialException(
              source
                  + ": the private key is encrypted; pgwarden needs it in clear"
                  + " (`openssl pkey -in KEY -out KEY.clear`)");
      default ->
          throw new TlsMaterialException(
              source
                  + ": unsupported key type "
                  + key.type()
                  + "; convert it to PKCS#8 with `openssl pkey -in KEY -out KEY.pk8`");
    };
  }

  private static PrivateKey pkcs8(byte[] der, String source) throws TlsMaterialException {
    PKCS8EncodedKeySpec spec = new PKCS8EncodedKeySpec(der);
    for (String algorithm : KEY_ALGORITHMS) {
      try {
        return KeyFactory.getInstance(algorithm).generatePrivate(spec);
      } catch (InvalidKeySpecException e) {
        // Not this algorithm (or not a key at all): try the next one.
      } catch (GeneralSecurityException e) {
        throw new IllegalStateException("the JDK has no " + algorithm + " key factory", e);
      }
    }
    throw new TlsMaterialException(
        source + ": the PRIVATE KEY block is not a valid EC, RSA or Ed25519 PKCS#8 key");
  }

  /** PEM text of the certificates, in order. */
  public static byte[] encodeCertificates(List<X509Certificate> chain) {
    StringBuilder out = new StringBuilder();
    for (X509Certificate certificate : chain) {
      try {
        append(out, CERTIFICATE, certificate.getEncoded());
      } catch (java.security.cert.CertificateEncodingException e) {
        throw new IllegalArgumentException("certificate cannot be encoded", e);
      }
    }
    return out.toString().getBytes(StandardCharsets.US_ASCII);
  }

  /** PKCS#8 PEM ({@code -----BEGIN PRIVATE KEY-----}) of the key. */
  public static byte[] encodePrivateKey(PrivateKey key) {
    if (!"PKCS#8".equals(key.getFormat())) {
      throw new IllegalArgumentException(
          "a " + key.getAlgorithm() + " key in format " + key.getFormat() + " is not PKCS#8");
    }
    StringBuilder out = new StringBuilder();
    append(out, PRIVATE_KEY, key.getEncoded());
    return out.toString().getBytes(StandardCharsets.US_ASCII);
  }

  private static void append(StringBuilder out, String type, byte[] der) {
    out.append(BEGIN).append(type).append(DASHES).append('\n');
    String base64 = Base64.getEncoder().encodeToString(der);
    for (int i = 0; i < base64.length(); i += 64) {
      out.append(base64, i, Math.min(base64.length(), i + 64)).append('\n');
    }
    out.append(END).append(type).append(DASHES).append('\n');
  }

  /**
   * Splits PEM text into blocks. Text outside blocks (comments, {@code openssl x509 -text} output)
   * is ignored, as OpenSSL does.
   */
  private static List<Block> blocks(byte[] pem, String source) throws TlsMaterialException {
    if (pem == null || pem.length == 0) {
      throw new TlsMaterialException(source + ": is empty");
    }
    // ISO-8859-1 maps every byte to a char, so garbage cannot make decoding fail.
    String text = new String(pem, StandardCharsets.ISO_8859_1);
    List<Block> out = new ArrayList<>();
    int at = 0;
    while (true) {
      int begin = text.indexOf(BEGIN, at);
      if (begin < 0) {
        break;
      }
      int typeEnd = text.indexOf(DASHES, begin + BEGIN.length());
      if (typeEnd < 0) {
        throw new TlsMaterialException(source + ": truncated PEM header");
      }
      String type = text.substring(begin + BEGIN.length(), typeEnd);
      String endMarker = END + type + DASHES;
      int end = text.indexOf(endMarker, typeEnd);
      if (end < 0) {
        throw new TlsMaterialException(
            source + ": the " + type + " block has no " + endMarker + " line (truncated?)");
      }
      String body = text.substring(typeEnd + DASHES.length(), end);
      if (body.indexOf(':') >= 0) {
        // RFC 1421 headers: only OpenSSL's "Proc-Type: 4,ENCRYPTED" keys carry them.
        throw new TlsMaterialException(
            source
                + ": the "
                + type
                + " block has headers (an encrypted key?); pgwarden needs it in clear"
                + " (`openssl pkey -in KEY -out KEY.clear`)");
      }
      try {
        out.add(new Block(type, Base64.getMimeDecoder().decode(body.strip())));
      } catch (IllegalArgumentException e) {
        throw new TlsMaterialException(
            source + ": the " + type + " block is not valid base64 (" + e.getMessage() + ")", e);
      }
      at = end + endMarker.length();
    }
    if (out.isEmpty()) {
      throw new TlsMaterialException(
          source + ": no PEM block found (expected -----BEGIN ...----- lines)");
    }
    return out;
  }
}
