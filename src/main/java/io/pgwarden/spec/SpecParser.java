package io.pgwarden.spec;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.core.StreamReadFeature;
import com.fasterxml.jackson.databind.DeserializationFeature;
import com.fasterxml.jackson.databind.JsonMappingException;
import com.fasterxml.jackson.databind.MapperFeature;
import com.fasterxml.jackson.databind.ObjectReader;
import com.fasterxml.jackson.databind.exc.UnrecognizedPropertyException;
import com.fasterxml.jackson.dataformat.yaml.YAMLMapper;
import edu.umd.cs.findbugs.annotations.SuppressFBWarnings;
import java.io.IOException;
import java.util.List;
import java.util.Locale;
import java.util.regex.Pattern;
import java.util.stream.Collectors;

/**
 * Parses a Cluster from YAML or JSON and validates what pgwarden acts on. Every error names the
 * field by its path in the object, e.g. {@code spec.bootstrap.initdb.owner}.
 */
public final class SpecParser {
  /**
   * The most bytes a spec may have: 1 MiB, Kubernetes' own limit for an object (and for a Secret or
   * ConfigMap value, which the sources hold to the same number). Larger input is refused before it
   * is parsed.
   */
  public static final int MAX_BYTES = 1024 * 1024;

  /** A DNS-1035 label short enough to leave room for the derived Secret names. */
  private static final Pattern CLUSTER_NAME = Pattern.compile("[a-z]([-a-z0-9]{0,48}[a-z0-9])?");

  /** An unquoted PostgreSQL identifier pgwarden is willing to create. */
  private static final Pattern IDENTIFIER = Pattern.compile("[a-z_][a-z0-9_]{0,62}");

  private static final List<String> RESERVED_ROLES =
      List.of("postgres", "streaming_replica", "cnpg_pooler_pgbouncer", "cnpg_metrics_exporter");
  private static final List<String> RESERVED_DATABASES =
      List.of("postgres", "template0", "template1");

  private static final ObjectReader READER =
      YAMLMapper.builder()
          .enable(DeserializationFeature.FAIL_ON_UNKNOWN_PROPERTIES)
          .enable(DeserializationFeature.FAIL_ON_NULL_FOR_PRIMITIVES)
          .enable(DeserializationFeature.FAIL_ON_READING_DUP_TREE_KEY)
          // A key given twice is a mistake to report, not a value to pick silently.
          .enable(StreamReadFeature.STRICT_DUPLICATE_DETECTION)
          .disable(MapperFeature.ALLOW_COERCION_OF_SCALARS)
          .build()
          .readerFor(Cluster.class);

  private SpecParser() {}

  /**
   * Parses and validates {@code content}; an empty document gives the defaults.
   *
   * @param source what the content came from, for messages (a file path, a resource name)
   */
  public static Cluster parse(byte[] content, String source) throws InvalidSpecException {
    if (content.length > MAX_BYTES) {
      throw tooLarge(source, content.length);
    }
    Cluster cluster;
    try {
      cluster = content.length == 0 ? null : READER.readValue(content);
    } catch (JsonMappingException e) {
      throw fromMapping(e, source);
    } catch (JsonProcessingException e) {
      throw new InvalidSpecException(
          source, "is not valid YAML: " + e.getOriginalMessage() + " at " + location(e));
    } catch (IOException e) {
      throw new InvalidSpecException(source, "could not be read: " + e.getMessage(), e);
    }
    if (cluster == null) {
      cluster = Cluster.defaults();
    }
    validate(cluster);
    return cluster;
  }

  /**
   * The refusal of a spec over {@link #MAX_BYTES}, named by {@code source}; {@code size} is its
   * size in bytes when known, else negative.
   */
  public static InvalidSpecException tooLarge(String source, long size) {
    return new InvalidSpecException(
        source,
        (size >= 0 ? "is " + size + " bytes" : "is larger than " + MAX_BYTES + " bytes")
            + ", over the limit of "
            + MAX_BYTES
            + " bytes (1 MiB, Kubernetes' own limit for an object); refused before parsing");
  }

  private static InvalidSpecException fromMapping(JsonMappingException e, String source) {
    String field = path(e.getPath());
    if (e instanceof UnrecognizedPropertyException u) {
      String known =
          u.getKnownPropertyIds() == null
              ? ""
              : u.getKnownPropertyIds().stream()
                  .map(Object::toString)
                  .sorted()
                  .collect(Collectors.joining(", ", " (pgwarden reads: ", ")"));
      return new InvalidSpecException(
          field, "unknown field in " + source + known + "; remove it or fix its spelling");
    }
    return new InvalidSpecException(
        field.isEmpty() ? source : field,
        "invalid value in " + source + " at " + location(e) + ": " + e.getOriginalMessage());
  }

  private static String path(List<JsonMappingException.Reference> refs) {
    StringBuilder sb = new StringBuilder();
    for (JsonMappingException.Reference ref : refs) {
      if (ref.getFieldName() != null) {
        if (sb.length() > 0) {
          sb.append('.');
        }
        sb.append(ref.getFieldName());
      } else if (ref.getIndex() >= 0) {
        sb.append('[').append(ref.getIndex()).append(']');
      }
    }
    return sb.toString();
  }

  private static String location(JsonProcessingException e) {
    return e.getLocation() == null
        ? "unknown position"
        : "line " + e.getLocation().getLineNr() + ", column " + e.getLocation().getColumnNr();
  }

  @SuppressFBWarnings(
      value = "IMPROPER_UNICODE",
      justification =
          "case folding with Locale.ROOT to compare an encoding name with the ASCII constant UTF8; no access decision")
  private static void validate(Cluster c) throws InvalidSpecException {
    if (!Cluster.API_VERSION.equals(c.apiVersion())) {
      throw new InvalidSpecException(
          "apiVersion", "must be " + Cluster.API_VERSION + ", got '" + c.apiVersion() + "'");
    }
    if (!Cluster.KIND.equals(c.kind())) {
      throw new InvalidSpecException("kind", "must be Cluster, got '" + c.kind() + "'");
    }
    if (!CLUSTER_NAME.matcher(c.name()).matches()) {
      throw new InvalidSpecException(
          "metadata.name",
          "'"
              + c.name()
              + "' is not a valid cluster name: lowercase letters, digits and '-', starting with a"
              + " letter, at most 50 characters");
    }
    ClusterSpec spec = c.spec();
    if (spec.smartShutdownTimeout() < 0) {
      throw new InvalidSpecException(
          "spec.smartShutdownTimeout",
          "must be 0 or more seconds, got " + spec.smartShutdownTimeout());
    }
    if (spec.stopDelay() < 1) {
      throw new InvalidSpecException(
          "spec.stopDelay", "must be at least 1 second, got " + spec.stopDelay());
    }
    BootstrapSpec.InitdbSpec initdb = spec.bootstrap().initdb();
    checkIdentifier("spec.bootstrap.initdb.database", initdb.database(), RESERVED_DATABASES);
    checkIdentifier("spec.bootstrap.initdb.owner", initdb.owner(), RESERVED_ROLES);
    if (!"UTF8".equals(initdb.encoding().toUpperCase(Locale.ROOT).replace("-", ""))
        && !"SQL_ASCII".equals(initdb.encoding())) {
      throw new InvalidSpecException(
          "spec.bootstrap.initdb.encoding",
          "only UTF8 is supported, got '" + initdb.encoding() + "'");
    }
    checkSecretName("spec.bootstrap.initdb.secret.name", initdb.secret());
    checkSecretName("spec.superuserSecret.name", spec.superuserSecret());
    CertificatesSpec certs = spec.certificates();
    checkSecretName("spec.certificates.serverCASecret", certs.serverCASecret());
    checkSecretName("spec.certificates.serverTLSSecret", certs.serverTLSSecret());
    checkSecretName("spec.certificates.replicationTLSSecret", certs.replicationTLSSecret());
    checkSecretName("spec.certificates.clientCASecret", certs.clientCASecret());
    for (int i = 0; i < spec.monitoring().customQueriesConfigMap().size(); i++) {
      checkKeyRef(
          "spec.monitoring.customQueriesConfigMap[" + i + "]",
          spec.monitoring().customQueriesConfigMap().get(i));
    }
    for (int i = 0; i < spec.monitoring().customQueriesSecret().size(); i++) {
      checkKeyRef(
          "spec.monitoring.customQueriesSecret[" + i + "]",
          spec.monitoring().customQueriesSecret().get(i));
    }
  }

  private static void checkIdentifier(String field, String value, List<String> reserved)
      throws InvalidSpecException {
    if (!IDENTIFIER.matcher(value).matches()) {
      throw new InvalidSpecException(
          field,
          "'"
              + value
              + "' is not a plain identifier: lowercase letters, digits and '_', at most 63"
              + " characters");
    }
    if (reserved.contains(value)) {
      throw new InvalidSpecException(field, "'" + value + "' is reserved; choose another name");
    }
  }

  private static void checkSecretName(String field, ClusterSpec.SecretRef ref)
      throws InvalidSpecException {
    if (ref != null) {
      checkObjectName(field, ref.name());
    }
  }

  private static void checkSecretName(String field, String name) throws InvalidSpecException {
    if (name != null) {
      checkObjectName(field, name);
    }
  }

  private static void checkKeyRef(String field, MonitoringSpec.KeyRef ref)
      throws InvalidSpecException {
    checkObjectName(field + ".name", ref.name());
    if (ref.key() == null
        || !ref.key().matches("[-._a-zA-Z0-9]{1,253}")
        || ref.key().startsWith("..")) {
      throw new InvalidSpecException(field + ".key", "'" + ref.key() + "' is not a valid key name");
    }
  }

  /** A DNS-1123 subdomain: it also becomes a directory name in standalone mode. */
  @SuppressFBWarnings(
      value = "REDOS",
      justification =
          "the length is capped at 253 before the match and labels are split by a mandatory dot: backtracking stays polynomial")
  static void checkObjectName(String field, String name) throws InvalidSpecException {
    if (name == null
        || name.length() > 253
        || !name.matches("[a-z0-9]([-a-z0-9]*[a-z0-9])?(\\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*")) {
      throw new InvalidSpecException(
          field, "'" + name + "' is not a valid Kubernetes object name (RFC 1123 subdomain)");
    }
  }
}
