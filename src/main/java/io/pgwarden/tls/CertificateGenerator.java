package io.pgwarden.tls;

import java.io.ByteArrayInputStream;
import java.io.IOException;
import java.math.BigInteger;
import java.security.GeneralSecurityException;
import java.security.KeyPair;
import java.security.KeyPairGenerator;
import java.security.PrivateKey;
import java.security.SecureRandom;
import java.security.cert.CertificateFactory;
import java.security.cert.X509Certificate;
import java.security.spec.ECGenParameterSpec;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Date;
import java.util.List;
import javax.security.auth.x500.X500Principal;
import org.bouncycastle.asn1.x500.X500Name;
import org.bouncycastle.asn1.x500.X500NameBuilder;
import org.bouncycastle.asn1.x500.style.BCStyle;
import org.bouncycastle.asn1.x509.BasicConstraints;
import org.bouncycastle.asn1.x509.ExtendedKeyUsage;
import org.bouncycastle.asn1.x509.Extension;
import org.bouncycastle.asn1.x509.GeneralName;
import org.bouncycastle.asn1.x509.GeneralNames;
import org.bouncycastle.asn1.x509.KeyPurposeId;
import org.bouncycastle.asn1.x509.KeyUsage;
import org.bouncycastle.cert.X509v3CertificateBuilder;
import org.bouncycastle.cert.jcajce.JcaX509ExtensionUtils;
import org.bouncycastle.cert.jcajce.JcaX509v3CertificateBuilder;
import org.bouncycastle.operator.OperatorCreationException;
import org.bouncycastle.operator.jcajce.JcaContentSignerBuilder;

/**
 * Generates the standalone mode's certificates: an ECDSA P-256 CA, server certificates and client
 * certificates, signed SHA256withECDSA. Only BouncyCastle's certificate builder is used; keys,
 * signatures and parsing stay with the JDK's providers (BouncyCastle is never registered as one).
 *
 * <p>Serials are 128 random bits (CA/Browser Forum asks for at least 64). {@code notBefore} is one
 * minute in the past so that a peer whose clock lags a little accepts a certificate made just now.
 */
public final class CertificateGenerator {
  /** The validity CloudNativePG gives the certificates it generates. */
  public static final Duration DEFAULT_VALIDITY = Duration.ofDays(90);

  static final Duration CLOCK_SKEW = Duration.ofMinutes(1);
  private static final String SIGNATURE = "SHA256withECDSA";
  private static final String CURVE = "secp256r1";

  private final Clock clock;
  private final SecureRandom random = new SecureRandom();

  public CertificateGenerator(Clock clock) {
    this.clock = clock;
  }

  /** A self-signed CA with subject {@code CN=<clusterName>}, able to sign leaves only. */
  public Issued generateCa(String clusterName, Duration validity) {
    try {
      KeyPair keys = newKeyPair();
      X500Principal subject = commonName(clusterName);
      Instant now = clock.instant();
      X509v3CertificateBuilder builder =
          new JcaX509v3CertificateBuilder(
              subject,
              serial(),
              Date.from(now.minus(CLOCK_SKEW)),
              Date.from(now.plus(validity)),
              subject,
              keys.getPublic());
      JcaX509ExtensionUtils ext = new JcaX509ExtensionUtils();
      builder
          .addExtension(Extension.basicConstraints, true, new BasicConstraints(0))
          .addExtension(
              Extension.keyUsage, true, new KeyUsage(KeyUsage.keyCertSign | KeyUsage.cRLSign))
          .addExtension(
              Extension.subjectKeyIdentifier,
              false,
              ext.createSubjectKeyIdentifier(keys.getPublic()));
      return new Issued(List.of(sign(builder, keys.getPrivate())), keys.getPrivate());
    } catch (GeneralSecurityException | IOException | OperatorCreationException e) {
      throw new IllegalStateException("while generating the CA of " + clusterName, e);
    }
  }

  /**
   * A server certificate ({@code serverAuth}) signed by {@code ca}, with the DNS names and IP
   * addresses (literals only, never resolved) as subject alternative names.
   */
  public Issued issueServer(
      Issued ca,
      String commonName,
      List<String> dnsNames,
      List<String> ipAddresses,
      Duration validity) {
    List<GeneralName> names = new ArrayList<>();
    for (String dns : dnsNames) {
      names.add(new GeneralName(GeneralName.dNSName, dns));
    }
    for (String ip : ipAddresses) {
      // BouncyCastle parses IPv4 and IPv6 literals (never resolving) and refuses anything else.
      names.add(new GeneralName(GeneralName.iPAddress, ip));
    }
    return issueLeaf(ca, commonName, KeyPurposeId.id_kp_serverAuth, names, validity);
  }

  /**
   * A client certificate ({@code clientAuth}) signed by {@code ca}; postgres maps its CN to the
   * role, so for replication it is {@code streaming_replica}.
   */
  public Issued issueClient(Issued ca, String commonName, Duration validity) {
    return issueLeaf(ca, commonName, KeyPurposeId.id_kp_clientAuth, List.of(), validity);
  }

  private Issued issueLeaf(
      Issued ca,
      String commonName,
      KeyPurposeId purpose,
      List<GeneralName> altNames,
      Duration validity) {
    try {
      KeyPair keys = newKeyPair();
      Instant now = clock.instant();
      X509Certificate caCert = ca.certificate();
      // The issuer is copied from the CA certificate's encoded subject, byte for byte, so that
      // name chaining never depends on how a DN string would be re-encoded.
      X509v3CertificateBuilder builder =
          new JcaX509v3CertificateBuilder(
              caCert,
              serial(),
              Date.from(now.minus(CLOCK_SKEW)),
              Date.from(now.plus(validity)),
              commonName(commonName),
              keys.getPublic());
      JcaX509ExtensionUtils ext = new JcaX509ExtensionUtils();
      builder
          .addExtension(Extension.basicConstraints, true, new BasicConstraints(false))
          // ECDSA keys sign and agree; keyEncipherment is for RSA key transport only.
          .addExtension(
              Extension.keyUsage,
              true,
              new KeyUsage(KeyUsage.digitalSignature | KeyUsage.keyAgreement))
          .addExtension(Extension.extendedKeyUsage, false, new ExtendedKeyUsage(purpose))
          .addExtension(
              Extension.subjectKeyIdentifier,
              false,
              ext.createSubjectKeyIdentifier(keys.getPublic()))
          .addExtension(
              Extension.authorityKeyIdentifier,
              false,
              ext.createAuthorityKeyIdentifier(caCert.getPublicKey()));
      if (!altNames.isEmpty()) {
        builder.addExtension(
            Extension.subjectAlternativeName,
            false,
            new GeneralNames(altNames.toArray(new GeneralName[0])));
      }
      return new Issued(List.of(sign(builder, ca.privateKey())), keys.getPrivate());
    } catch (GeneralSecurityException | IOException | OperatorCreationException e) {
      throw new IllegalStateException("while issuing a certificate for " + commonName, e);
    }
  }

  private static X509Certificate sign(X509v3CertificateBuilder builder, PrivateKey signer)
      throws GeneralSecurityException, OperatorCreationException, IOException {
    byte[] der = builder.build(new JcaContentSignerBuilder(SIGNATURE).build(signer)).getEncoded();
    return (X509Certificate)
        CertificateFactory.getInstance("X.509").generateCertificate(new ByteArrayInputStream(der));
  }

  private KeyPair newKeyPair() throws GeneralSecurityException {
    KeyPairGenerator generator = KeyPairGenerator.getInstance("EC");
    generator.initialize(new ECGenParameterSpec(CURVE), random);
    return generator.generateKeyPair();
  }

  private BigInteger serial() {
    BigInteger serial;
    do {
      serial = new BigInteger(128, random);
    } while (serial.signum() == 0);
    return serial;
  }

  private static X500Principal commonName(String cn) throws IOException {
    X500Name name = new X500NameBuilder(BCStyle.INSTANCE).addRDN(BCStyle.CN, cn).build();
    return new X500Principal(name.getEncoded());
  }
}
