package io.pgwarden.kube;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.catchThrowableOfType;

import io.fabric8.kubernetes.api.model.ConfigMapBuilder;
import io.fabric8.kubernetes.api.model.SecretBuilder;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.pgwarden.source.InputRefusedException;
import io.pgwarden.spec.Cluster;
import io.pgwarden.spec.InvalidSpecException;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.Base64;
import java.util.Map;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/** Reads by name through informers, against fabric8's mock API server in CRUD mode. */
class KubeSourceTest {
  private static final KubeTarget TARGET = new KubeTarget("ns", "db", "db-1");

  private MockApiServer api;
  private KubernetesClient client;
  private KubeSource source;

  @BeforeEach
  void start() {
    api = new MockApiServer();
    client = api.client;
    source = new KubeSource(client, TARGET, Duration.ofMinutes(5));
  }

  @AfterEach
  void stop() {
    source.close();
    api.close();
  }

  private void secret(String name, String key, String value) {
    secretBytes(name, key, value.getBytes(StandardCharsets.UTF_8));
  }

  private static String text(byte[] b) {
    return new String(b, StandardCharsets.UTF_8);
  }

  @Test
  void aSecretIsReadByNameAndItsChangeIsSeen() throws Exception {
    AtomicInteger changes = new AtomicInteger();
    source.onChange(changes::incrementAndGet);
    secret("db-app", "password", "one");
    assertThat(source.secret("db-app", "password").map(KubeSourceTest::text)).hasValue("one");
    assertThat(source.secret("db-app", "username")).isEmpty();
    assertThat(source.secret("other", "password")).isEmpty();
    int before = changes.get();
    secret("db-app", "password", "two");
    for (int i = 0; i < 200 && changes.get() == before; i++) {
      Thread.sleep(25);
    }
    assertThat(changes.get()).isGreaterThan(before);
    assertThat(source.secret("db-app", "password").map(KubeSourceTest::text)).hasValue("two");
    assertThat(source.ownerCredentials("db-app", "app").username()).isEqualTo("app");
  }

  @Test
  void theClusterIsParsedAndWhatIsNoLongerReadIsForgotten() throws Exception {
    api.createCluster("{\"instances\":3,\"enableSuperuserAccess\":true}");
    source.watchCluster();
    Cluster cluster = null;
    for (int i = 0; i < 200 && cluster == null; i++) {
      try {
        cluster = source.cluster();
      } catch (java.io.IOException e) {
        Thread.sleep(25);
      }
    }
    assertThat(cluster).isNotNull();
    assertThat(cluster.name()).isEqualTo("db");
    assertThat(cluster.spec().enableSuperuserAccess()).isTrue();
    secret("db-superuser", "password", "x");
    assertThat(eventually("db-superuser")).isTrue();
    assertThat(source.watched()).contains("clusters/db", "secrets/db-superuser");
    source.forgetUnused(Duration.ZERO);
    assertThat(source.watched()).containsExactly("clusters/db");
    assertThat(eventually("db-superuser")).as("watched again on demand").isTrue();
  }

  /**
   * Whether the Secret's password can be read within 30 s: a new informer's first list may come
   * after the first read's wait, and its arrival is a change like any other.
   */
  private boolean eventually(String secret) throws Exception {
    for (int i = 0; i < 300; i++) {
      if (source.secret(secret, "password").isPresent()) {
        return true;
      }
      Thread.sleep(100);
    }
    return false;
  }

  @Test
  void aClusterWithAnUnknownFieldIsRefusedByPath() throws Exception {
    api.createCluster("{\"postgresql\":{\"paramters\":{}}}");
    source.watchCluster();
    InvalidSpecException refused = null;
    for (int i = 0; i < 200 && refused == null; i++) {
      try {
        source.cluster();
        break;
      } catch (InvalidSpecException e) {
        refused = e;
      } catch (java.io.IOException e) {
        Thread.sleep(25);
      }
    }
    assertThat(refused).isNotNull();
    assertThat(refused.getMessage()).contains("spec.postgresql.paramters", "Cluster ns/db");
  }

  private void secretBytes(String name, String key, byte[] value) {
    client
        .secrets()
        .inNamespace("ns")
        .resource(
            new SecretBuilder()
                .withNewMetadata()
                .withName(name)
                .endMetadata()
                .withData(Map.of(key, Base64.getEncoder().encodeToString(value)))
                .build())
        .createOr(r -> r.update());
  }

  @Test
  void aSecretValueOverOneMebibyteIsRefusedByNameAfterDecoding() throws Exception {
    byte[] big = new byte[1024 * 1024 + 1];
    java.util.Arrays.fill(big, (byte) 'a');
    secretBytes("db-app", "password", big);
    InputRefusedException e =
        catchThrowableOfType(
            InputRefusedException.class, () -> source.secret("db-app", "password"));
    assertThat(e).isNotNull();
    assertThat(e.getMessage())
        .startsWith("Secret ns/db-app key password")
        .contains("limit of 1048576");
    assertThat(
            catchThrowableOfType(IOException.class, () -> source.ownerCredentials("db-app", "app")))
        .isInstanceOf(InputRefusedException.class);

    secretBytes("db-app", "password", java.util.Arrays.copyOf(big, 1024 * 1024));
    for (int i = 0; i < 200 && !hasSize("db-app", "password", 1024 * 1024); i++) {
      Thread.sleep(25);
    }
    assertThat(source.secret("db-app", "password"))
        .hasValueSatisfying(v -> assertThat(v).hasSize(1024 * 1024));
  }

  private boolean hasSize(String name, String key, int size) {
    try {
      java.util.Optional<byte[]> v = source.secret(name, key);
      return v.isPresent() && v.get().length == size;
    } catch (InputRefusedException e) {
      return false;
    }
  }

  @Test
  void aConfigMapValueOverOneMebibyteIsRefusedByName() throws Exception {
    client
        .configMaps()
        .inNamespace("ns")
        .resource(
            new ConfigMapBuilder()
                .withNewMetadata()
                .withName("queries")
                .endMetadata()
                .withData(Map.of("custom.yaml", "#".repeat(2 * 1024 * 1024)))
                .build())
        .create();
    InputRefusedException e =
        catchThrowableOfType(
            InputRefusedException.class, () -> source.configMap("queries", "custom.yaml"));
    assertThat(e).isNotNull();
    assertThat(e.getMessage()).startsWith("ConfigMap ns/queries key custom.yaml").contains("1 MiB");
  }

  @Test
  void passwordsAndUserNamesWithAControlCharacterAreRefusedByName() throws Exception {
    secret("db-app", "password", "zq\nxv");
    InputRefusedException e =
        catchThrowableOfType(
            InputRefusedException.class, () -> source.ownerCredentials("db-app", "app"));
    assertThat(e).isNotNull();
    assertThat(e.getMessage())
        .startsWith("Secret ns/db-app key password: contains a control character (U+000A at 2)")
        .doesNotContain("zq", "xv");

    client
        .secrets()
        .inNamespace("ns")
        .resource(
            new SecretBuilder()
                .withNewMetadata()
                .withName("db-superuser")
                .endMetadata()
                .withStringData(Map.of("username", "postgres", "password", "zq\u0000xv"))
                .build())
        .create();
    InputRefusedException nul = null;
    for (int i = 0; i < 200 && nul == null; i++) {
      nul =
          catchThrowableOfType(
              InputRefusedException.class, () -> source.credentials("db-superuser"));
      Thread.sleep(nul == null ? 25 : 0);
    }
    assertThat(nul).isNotNull();
    assertThat(nul.getMessage()).contains("Secret ns/db-superuser key password", "U+0000 at 2");

    client
        .secrets()
        .inNamespace("ns")
        .resource(
            new SecretBuilder()
                .withNewMetadata()
                .withName("db-other")
                .endMetadata()
                .withData(
                    Map.of(
                        "username",
                        Base64.getEncoder().encodeToString(new byte[] {'u', (byte) 0xc3}),
                        "password",
                        Base64.getEncoder().encodeToString(new byte[] {'p'})))
                .build())
        .create();
    InputRefusedException utf8 = null;
    for (int i = 0; i < 200 && utf8 == null; i++) {
      utf8 =
          catchThrowableOfType(
              InputRefusedException.class, () -> source.ownerCredentials("db-other", "app"));
      Thread.sleep(utf8 == null ? 25 : 0);
    }
    assertThat(utf8).isNotNull();
    assertThat(utf8.getMessage()).startsWith("Secret ns/db-other key username: is not valid UTF-8");
  }

  @Test
  void aClusterOverOneMebibyteIsRefusedAsAnInvalidSpecByName() throws Exception {
    api.createCluster(
        "{\"postgresql\":{\"parameters\":{\"work_mem\":\"8MB\",\"x\":\""
            + "a".repeat(1024 * 1024 + 1)
            + "\"}}}");
    source.watchCluster();
    InvalidSpecException refused = null;
    for (int i = 0; i < 200 && refused == null; i++) {
      try {
        source.cluster();
        break;
      } catch (InvalidSpecException e) {
        refused = e;
      } catch (IOException e) {
        Thread.sleep(25);
      }
    }
    assertThat(refused).isNotNull();
    assertThat(refused.field()).isEqualTo("Cluster ns/db");
    assertThat(refused.getMessage()).contains("limit of 1048576").doesNotContain("parameters");
  }
}
