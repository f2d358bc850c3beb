package io.pgwarden.spec;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.catchThrowableOfType;

import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;
import org.junit.jupiter.params.provider.ValueSource;

class SpecParserTest {
  private static final String HEADER = "apiVersion: postgresql.cnpg.io/v1\nkind: Cluster\n";

  private static Cluster parse(String yaml) throws InvalidSpecException {
    return SpecParser.parse(yaml.getBytes(StandardCharsets.UTF_8), "test.yaml");
  }

  private static InvalidSpecException refused(String yaml) {
    InvalidSpecException e = catchThrowableOfType(InvalidSpecException.class, () -> parse(yaml));
    assertThat(e).as("expected %s to be refused", yaml).isNotNull();
    return e;
  }

  private static byte[] resource(String name) throws IOException {
    try (InputStream in = SpecParserTest.class.getResourceAsStream(name)) {
      assertThat(in).as(name).isNotNull();
      return in.readAllBytes();
    }
  }

  @Test
  void emptyDocumentGivesTheDefaults() throws Exception {
    Cluster c = SpecParser.parse(new byte[0], "empty");

    assertThat(c.apiVersion()).isEqualTo("postgresql.cnpg.io/v1");
    assertThat(c.kind()).isEqualTo("Cluster");
    assertThat(c.name()).isEqualTo("pgwarden");
    assertThat(c.metadata().namespace()).isEqualTo("default");
    assertThat(c.spec().bootstrap().initdb().database()).isEqualTo("app");
    assertThat(c.spec().bootstrap().initdb().owner()).isEqualTo("app");
    assertThat(c.spec().bootstrap().initdb().secret()).isNull();
    assertThat(c.spec().bootstrap().initdb().dataChecksums()).isTrue();
    assertThat(c.spec().bootstrap().initdb().encoding()).isEqualTo("UTF8");
    assertThat(c.spec().smartShutdownTimeout()).isEqualTo(180);
    assertThat(c.spec().stopDelay()).isEqualTo(1800);
    assertThat(c.spec().enableSuperuserAccess()).isFalse();
    assertThat(c.spec().postgresql().parameters()).isEmpty();
    assertThat(c.spec().postgresql().pgHba()).isEmpty();
    assertThat(c.spec().monitoring().customQueriesConfigMap()).isEmpty();
    assertThat(c.spec().monitoring().tls().enabled()).isFalse();
    assertThat(c.spec().certificates().serverAltDNSNames()).isEmpty();
    assertThat(c).isEqualTo(Cluster.defaults());
  }

  @Test
  void documentWithOnlyHeaderGivesTheDefaults() throws Exception {
    assertThat(parse(HEADER)).isEqualTo(Cluster.defaults());
  }

  @Test
  void yamlNullDocumentGivesTheDefaults() throws Exception {
    assertThat(parse("---\n")).isEqualTo(Cluster.defaults());
  }

  @Test
  void ownerDefaultsToTheDatabase() throws Exception {
    Cluster c = parse(HEADER + "spec:\n  bootstrap:\n    initdb:\n      database: shop\n");
    assertThat(c.spec().bootstrap().initdb().owner()).isEqualTo("shop");
  }

  @Test
  void fullCloudNativePgClusterParses() throws Exception {
    Cluster c = SpecParser.parse(resource("/spec/full-cluster.yaml"), "full-cluster.yaml");

    assertThat(c.name()).isEqualTo("cluster-example");
    assertThat(c.metadata().namespace()).isEqualTo("prod");
    assertThat(c.metadata().labels()).containsEntry("app.kubernetes.io/name", "cluster-example");
    assertThat(c.metadata().annotations())
        .containsEntry("cnpg.io/skipEmptyWalArchiveCheck", "enabled");

    ClusterSpec spec = c.spec();
    assertThat(spec.stopDelay()).isEqualTo(600);
    assertThat(spec.smartShutdownTimeout()).isEqualTo(60);
    assertThat(spec.enableSuperuserAccess()).isTrue();
    assertThat(spec.superuserSecret()).isEqualTo(new ClusterSpec.SecretRef("cluster-example-su"));

    PostgresSpec pg = spec.postgresql();
    assertThat(pg.parameters())
        .containsOnly(
            org.assertj.core.api.Assertions.entry("max_connections", "200"),
            org.assertj.core.api.Assertions.entry("shared_buffers", "256MB"),
            org.assertj.core.api.Assertions.entry("work_mem", "8MB"),
            org.assertj.core.api.Assertions.entry("log_min_duration_statement", "1000"));
    assertThat(pg.pgHba())
        .containsExactly(
            "host all all 10.0.0.0/8 scram-sha-256", "hostssl app app 0.0.0.0/0 scram-sha-256");
    assertThat(pg.pgIdent()).containsExactly("mymap /^(.*)@example\\.com$ \\1");
    assertThat(pg.sharedPreloadLibraries()).containsExactly("pg_stat_statements");

    BootstrapSpec.InitdbSpec initdb = spec.bootstrap().initdb();
    assertThat(initdb.database()).isEqualTo("appdb");
    assertThat(initdb.owner()).isEqualTo("appuser");
    assertThat(initdb.secret()).isEqualTo(new ClusterSpec.SecretRef("appuser-secret"));
    assertThat(initdb.dataChecksums()).isFalse();
    assertThat(initdb.encoding()).isEqualTo("UTF-8");

    MonitoringSpec mon = spec.monitoring();
    assertThat(mon.disableDefaultQueries()).isTrue();
    assertThat(mon.customQueriesConfigMap())
        .containsExactly(new MonitoringSpec.KeyRef("example-monitoring", "custom-queries"));
    assertThat(mon.customQueriesSecret())
        .containsExactly(new MonitoringSpec.KeyRef("example-monitoring-secret", "queries.yaml"));

    CertificatesSpec certs = spec.certificates();
    assertThat(certs.serverCASecret()).isEqualTo("my-server-ca");
    assertThat(certs.serverTLSSecret()).isEqualTo("my-server-tls");
    assertThat(certs.clientCASecret()).isEqualTo("my-client-ca");
    assertThat(certs.replicationTLSSecret()).isEqualTo("my-replication-tls");
    assertThat(certs.serverAltDNSNames()).containsExactly("db.example.com", "db.internal");

    assertThat(c.status().currentPrimary()).isEqualTo("cluster-example-1");
    assertThat(c.status().operatorCertificateFingerprint()).isEqualTo("ab:cd");
  }

  @ParameterizedTest
  @CsvSource(
      delimiter = '|',
      value = {
        "specc: {}|specc",
        "spec: {instancs: 3}|spec.instancs",
        "spec: {postgresql: {paramters: {a: b}}}|spec.postgresql.paramters",
        "spec: {bootstrap: {initdb: {databse: x}}}|spec.bootstrap.initdb.databse",
        "spec: {bootstrap: {initdbb: {}}}|spec.bootstrap.initdbb",
        "spec: {certificates: {serverCaSecret: x}}|spec.certificates.serverCaSecret",
        "spec: {monitoring: {customQueriesConfigMap: [{name: a, key: b, kye: c}]}}"
            + "|spec.monitoring.customQueriesConfigMap[0].kye",
        "metadata: {nam: x}|metadata.nam",
      })
  void unknownFieldIsRefusedWithItsPath(String body, String field) {
    InvalidSpecException e = refused(HEADER + body + "\n");
    assertThat(e.field()).isEqualTo(field);
    assertThat(e.getMessage()).startsWith(field + ": ").contains("unknown field", "test.yaml");
  }

  @Test
  void unknownFieldMessageListsTheKnownOnes() {
    InvalidSpecException e = refused(HEADER + "spec: {postgresql: {paramters: {}}}\n");
    assertThat(e.getMessage()).contains("parameters", "pg_hba");
  }

  @ParameterizedTest
  @CsvSource(
      delimiter = '|',
      value = {
        "spec: {stopDelay: abc}|spec.stopDelay",
        "spec: {stopDelay: \"600\"}|spec.stopDelay",
        "spec: {smartShutdownTimeout: [1]}|spec.smartShutdownTimeout",
        "spec: {postgresql: {parameters: [a, b]}}|spec.postgresql.parameters",
        "spec: {postgresql: {pg_hba: {a: b}}}|spec.postgresql.pg_hba",
        "spec: {enableSuperuserAccess: maybe}|spec.enableSuperuserAccess",
        "spec: {bootstrap: {initdb: {secret: app-secret}}}|spec.bootstrap.initdb.secret",
      })
  void typeErrorNamesTheField(String body, String field) {
    InvalidSpecException e = refused(HEADER + body + "\n");
    assertThat(e.field()).isEqualTo(field);
    assertThat(e.getMessage()).contains("test.yaml");
  }

  @Test
  void malformedYamlNamesTheSource() {
    InvalidSpecException e = refused("apiVersion: [unclosed\n");
    assertThat(e.field()).isIn("test.yaml", "apiVersion");
    assertThat(e.getMessage()).contains("test.yaml", "line");
  }

  @Test
  void malformedYamlAtTopLevelNamesTheSource() {
    InvalidSpecException e = refused("@foo: bar\n");
    assertThat(e.field()).isEqualTo("test.yaml");
    assertThat(e.getMessage()).contains("line");
  }

  @Test
  void negativeSmartShutdownTimeoutIsRefused() {
    InvalidSpecException e = refused(HEADER + "spec: {smartShutdownTimeout: -1}\n");
    assertThat(e.field()).isEqualTo("spec.smartShutdownTimeout");
    assertThat(e.getMessage()).contains("-1");
  }

  @Test
  void zeroSmartShutdownTimeoutIsAccepted() throws Exception {
    assertThat(parse(HEADER + "spec: {smartShutdownTimeout: 0}\n").spec().smartShutdownTimeout())
        .isZero();
  }

  @ParameterizedTest
  @ValueSource(ints = {0, -5})
  void stopDelayBelowOneIsRefused(int stopDelay) {
    InvalidSpecException e = refused(HEADER + "spec: {stopDelay: " + stopDelay + "}\n");
    assertThat(e.field()).isEqualTo("spec.stopDelay");
  }

  @Test
  void wrongApiVersionIsRefused() {
    InvalidSpecException e = refused("apiVersion: postgresql.cnpg.io/v2\nkind: Cluster\n");
    assertThat(e.field()).isEqualTo("apiVersion");
    assertThat(e.getMessage()).contains("postgresql.cnpg.io/v2");
  }

  @Test
  void wrongKindIsRefused() {
    InvalidSpecException e = refused("apiVersion: postgresql.cnpg.io/v1\nkind: Pooler\n");
    assertThat(e.field()).isEqualTo("kind");
    assertThat(e.getMessage()).contains("Pooler");
  }

  @ParameterizedTest
  @ValueSource(
      strings = {
        "Cluster",
        "../x",
        "a/b",
        "1abc",
        "abc-",
        "a.b",
        "a_b",
        "abcdefghijklmnopqrstuvwxyzabcdefghijklmnopqrstuvwxy", // 51 characters
      })
  void invalidClusterNameIsRefused(String name) {
    InvalidSpecException e = refused(HEADER + "metadata:\n  name: '" + name + "'\n");
    assertThat(e.field()).isEqualTo("metadata.name");
  }

  @ParameterizedTest
  @ValueSource(strings = {"a", "pg-1", "abcdefghijklmnopqrstuvwxyzabcdefghijklmnopqrstuvwx"})
  void validClusterNameIsAccepted(String name) throws Exception {
    assertThat(parse(HEADER + "metadata:\n  name: " + name + "\n").name()).isEqualTo(name);
  }

  @ParameterizedTest
  @ValueSource(
      strings = {
        "postgres",
        "streaming_replica",
        "cnpg_pooler_pgbouncer",
        "app\"x",
        "app'x",
        "App",
        "1app",
        "a b",
        "",
      })
  void invalidOwnerIsRefused(String owner) {
    InvalidSpecException e =
        refused(
            HEADER
                + "spec:\n  bootstrap:\n    initdb:\n      owner: '"
                + owner.replace("'", "''")
                + "'\n");
    assertThat(e.field()).isEqualTo("spec.bootstrap.initdb.owner");
  }

  @ParameterizedTest
  @ValueSource(strings = {"template1", "template0", "postgres", "my-db", "x\"y"})
  void invalidDatabaseIsRefused(String database) {
    InvalidSpecException e =
        refused(HEADER + "spec:\n  bootstrap:\n    initdb:\n      database: '" + database + "'\n");
    assertThat(e.field()).isEqualTo("spec.bootstrap.initdb.database");
  }

  @Test
  void tooLongIdentifierIsRefused() {
    String owner = "a".repeat(64);
    InvalidSpecException e =
        refused(HEADER + "spec:\n  bootstrap:\n    initdb:\n      owner: " + owner + "\n");
    assertThat(e.field()).isEqualTo("spec.bootstrap.initdb.owner");
  }

  @Test
  void unsupportedEncodingIsRefused() {
    InvalidSpecException e =
        refused(HEADER + "spec:\n  bootstrap:\n    initdb:\n      encoding: LATIN1\n");
    assertThat(e.field()).isEqualTo("spec.bootstrap.initdb.encoding");
  }

  @ParameterizedTest
  @ValueSource(strings = {"a/b", "..", "../etc", "a..b", ".hidden", "Upper", "x_y", ""})
  void invalidSecretNameIsRefused(String name) {
    InvalidSpecException e =
        refused(
            HEADER
                + "spec:\n  bootstrap:\n    initdb:\n      secret:\n        name: '"
                + name
                + "'\n");
    assertThat(e.field()).isEqualTo("spec.bootstrap.initdb.secret.name");
  }

  @Test
  void secretRefWithoutNameIsRefused() {
    InvalidSpecException e = refused(HEADER + "spec:\n  superuserSecret: {}\n");
    assertThat(e.field()).isEqualTo("spec.superuserSecret.name");
  }

  @ParameterizedTest
  @CsvSource({
    "serverCASecret, ../ca",
    "serverTLSSecret, a/b",
    "replicationTLSSecret, ..",
    "clientCASecret, A",
  })
  void invalidCertificateSecretNameIsRefused(String key, String name) {
    InvalidSpecException e =
        refused(HEADER + "spec:\n  certificates:\n    " + key + ": '" + name + "'\n");
    assertThat(e.field()).isEqualTo("spec.certificates." + key);
  }

  @Test
  void invalidMonitoringKeyRefIsRefused() {
    InvalidSpecException name =
        refused(
            HEADER
                + "spec:\n  monitoring:\n    customQueriesConfigMap:\n      - {name: ok, key: q}\n"
                + "      - {name: ../x, key: q}\n");
    assertThat(name.field()).isEqualTo("spec.monitoring.customQueriesConfigMap[1].name");

    InvalidSpecException key =
        refused(
            HEADER
                + "spec:\n  monitoring:\n    customQueriesSecret:\n      - {name: ok, key: ../q}\n");
    assertThat(key.field()).isEqualTo("spec.monitoring.customQueriesSecret[0].key");
  }

  @Test
  void dottedSecretNameIsAccepted() throws Exception {
    Cluster c = parse(HEADER + "spec:\n  superuserSecret:\n    name: su.example-1\n");
    assertThat(c.spec().superuserSecret().name()).isEqualTo("su.example-1");
  }

  @Test
  void secretNamesDefaultFromTheClusterName() throws Exception {
    Cluster c = parse(HEADER + "metadata:\n  name: db\n");
    SecretNames names = SecretNames.of(c);
    assertThat(names)
        .isEqualTo(
            new SecretNames(
                "db-server", "db-ca", "db-ca", "db-replication", "db-app", "db-superuser"));
  }

  @Test
  void secretNamesDefaultsForDefaultCluster() {
    SecretNames names = SecretNames.of(Cluster.defaults());
    assertThat(names.app()).isEqualTo("pgwarden-app");
    assertThat(names.superuser()).isEqualTo("pgwarden-superuser");
    assertThat(names.server()).isEqualTo("pgwarden-server");
  }

  @Test
  void secretNamesFollowTheSpec() throws Exception {
    Cluster c = SpecParser.parse(resource("/spec/full-cluster.yaml"), "full-cluster.yaml");
    assertThat(SecretNames.of(c))
        .isEqualTo(
            new SecretNames(
                "my-server-tls",
                "my-server-ca",
                "my-client-ca",
                "my-replication-tls",
                "appuser-secret",
                "cluster-example-su"));
  }

  @Test
  void clientCaDefaultsToTheServerCa() throws Exception {
    Cluster c =
        parse(
            HEADER + "metadata: {name: db}\nspec:\n  certificates:\n    serverCASecret: own-ca\n");
    SecretNames names = SecretNames.of(c);
    assertThat(names.serverCa()).isEqualTo("own-ca");
    assertThat(names.clientCa()).isEqualTo("own-ca");
    assertThat(names.server()).isEqualTo("db-server");
  }

  @Test
  void duplicateKeyIsRefused() {
    InvalidSpecException e = refused(HEADER + "spec:\n  stopDelay: 10\n  stopDelay: 20\n");
    assertThat(e.getMessage()).contains("stopDelay");
  }

  @Test
  void duplicateParameterIsRefused() {
    InvalidSpecException e =
        refused(
            HEADER
                + "spec:\n  postgresql:\n    parameters:\n      work_mem: 4MB\n"
                + "      work_mem: 8MB\n");
    assertThat(e.getMessage()).contains("work_mem");
  }

  @Test
  void contentOverOneMebibyteIsRefusedByItsSourceBeforeParsing() throws Exception {
    // Not YAML at all: it would fail to parse, but is refused for its size first.
    byte[] big = new byte[SpecParser.MAX_BYTES + 1];
    java.util.Arrays.fill(big, (byte) '[');
    InvalidSpecException e =
        catchThrowableOfType(
            InvalidSpecException.class, () -> SpecParser.parse(big, "Cluster ns/db"));
    assertThat(e).isNotNull();
    assertThat(e.field()).isEqualTo("Cluster ns/db");
    assertThat(e.getMessage()).contains("1048577 bytes", "limit of 1048576").doesNotContain("YAML");

    byte[] full = new byte[SpecParser.MAX_BYTES];
    java.util.Arrays.fill(full, (byte) ' ');
    byte[] yaml = "spec:\n  stopDelay: 60\n".getBytes(StandardCharsets.US_ASCII);
    System.arraycopy(yaml, 0, full, 0, yaml.length);
    assertThat(SpecParser.parse(full, "x").spec().stopDelay()).isEqualTo(60);
  }
}
