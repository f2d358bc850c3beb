package io.pgwarden.kube;

import static org.assertj.core.api.Assertions.assertThat;

import io.fabric8.kubernetes.api.model.SecretBuilder;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.pgwarden.spec.Cluster;
import io.pgwarden.spec.InvalidSpecException;
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
    client
        .secrets()
        .inNamespace("ns")
        .resource(
            new SecretBuilder()
                .withNewMetadata()
                .withName(name)
                .endMetadata()
                .withData(
                    Map.of(
                        key,
                        Base64.getEncoder().encodeToString(value.getBytes(StandardCharsets.UTF_8))))
                .build())
        .createOr(r -> r.update());
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
  private boolean eventually(String secret) throws InterruptedException {
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
}
