package io.pgwarden.tls;

import java.security.GeneralSecurityException;
import java.security.KeyFactory;
import java.security.PrivateKey;
import java.security.spec.PKCS8EncodedKeySpec;
import org.bouncycastle.asn1.ASN1Encodable;
import org.bouncycastle.asn1.DERNull;
import org.bouncycastle.asn1.pkcs.PKCSObjectIdentifiers;
import org.bouncycastle.asn1.pkcs.PrivateKeyInfo;
import org.bouncycastle.asn1.pkcs.RSAPrivateKey;
import org.bouncycastle.asn1.sec.ECPrivateKey;
import org.bouncycastle.asn1.x509.AlgorithmIdentifier;
import org.bouncycastle.asn1.x9.X9ObjectIdentifiers;

/**
 * Reads the two key formats the JDK cannot: PKCS#1 ({@code RSA PRIVATE KEY}) and SEC1 ({@code EC
 * PRIVATE KEY}), by rewrapping them as PKCS#8 with BouncyCastle's ASN.1 classes. A class of its own
 * so that BouncyCastle is loaded only when such a key is actually met.
 */
final class LegacyKeys {
  static final String PKCS1 = "RSA PRIVATE KEY";
  static final String SEC1 = "EC PRIVATE KEY";

  private LegacyKeys() {}

  static PrivateKey read(String type, byte[] der, String source) throws TlsMaterialException {
    PrivateKeyInfo info;
    String algorithm;
    try {
      if (PKCS1.equals(type)) {
        algorithm = "RSA";
        info =
            new PrivateKeyInfo(
                new AlgorithmIdentifier(PKCSObjectIdentifiers.rsaEncryption, DERNull.INSTANCE),
                RSAPrivateKey.getInstance(der));
      } else if (SEC1.equals(type)) {
        algorithm = "EC";
        ECPrivateKey ec = ECPrivateKey.getInstance(der);
        ASN1Encodable curve = ec.getParametersObject();
        if (curve == null) {
          throw new TlsMaterialException(
              source
                  + ": the EC PRIVATE KEY does not name its curve; convert it with"
                  + " `openssl pkey -in KEY -out KEY.pk8` and use that");
        }
        info =
            new PrivateKeyInfo(
                new AlgorithmIdentifier(X9ObjectIdentifiers.id_ecPublicKey, curve), ec);
      } else {
        throw new AssertionError("not a legacy key type: " + type);
      }
      return KeyFactory.getInstance(algorithm)
          .generatePrivate(new PKCS8EncodedKeySpec(info.getEncoded()));
    } catch (java.io.IOException | IllegalArgumentException | GeneralSecurityException e) {
      throw new TlsMaterialException(
          source + ": the " + type + " block is not a valid key (" + e.getMessage() + ")", e);
    }
  }
}
