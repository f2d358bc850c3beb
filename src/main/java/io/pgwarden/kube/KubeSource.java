package io.pgwarden.kube;

import io.fabric8.kubernetes.api.model.ConfigMap;
import io.fabric8.kubernetes.api.model.GenericKubernetesResource;
import io.fabric8.kubernetes.api.model.HasMetadata;
import io.fabric8.kubernetes.api.model.Secret;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.fabric8.kubernetes.client.dsl.Resource;
import io.fabric8.kubernetes.client.informers.ResourceEventHandler;
import io.fabric8.kubernetes.client.informers.SharedIndexInformer;
import io.fabric8.kubernetes.client.utils.Serialization;
import io.pgwarden.source.Credentials;
import io.pgwarden.source.InputLimits;
import io.pgwarden.source.InputRefusedException;
import io.pgwarden.source.Source;
import io.pgwarden.spec.Cluster;
import io.pgwarden.spec.InvalidSpecException;
import io.pgwarden.spec.SpecParser;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Base64;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.ConcurrentHashMap;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Kubernetes mode's source: the own Cluster and every Secret and ConfigMap pgwarden reads, each
 * watched on its own by name (an informer listing and watching with the field selector {@code
 * metadata.name=<name>}, which a {@code resourceNames} Role allows), read from the informers'
 * caches. A change of any of them calls the change listener; an informer that fails (an outage, a
 * 403) keeps retrying with fabric8's backoff, the cache keeps the last known object, and the
 * problem is reported once until it clears.
 */
public final class KubeSource implements Source, AutoCloseable {
  private static final Logger log = LoggerFactory.getLogger(KubeSource.class);

  /**
   * How long a first read waits for a new informer's initial list, unless the list fails first: a
   * list that hangs is cut by the 10 s request timeout and retried, so this covers one retry.
   */
  private static final Duration FIRST_SYNC = Duration.ofSeconds(30);

  private final KubernetesClient client;
  private final KubeTarget target;
  private final long resyncMillis;
  private final Map<String, Named<?>> informers = new ConcurrentHashMap<>();
  private final Map<String, String> problems = new ConcurrentHashMap<>();
  private volatile Runnable onChange = () -> {};
  private volatile ProblemListener onProblem = (what, message, forbidden) -> {};

  /** Hears that {@code what} ({@code secrets/<name>}) cannot be read, and why. */
  interface ProblemListener {
    void unreadable(String what, String message, boolean forbidden);
  }

  public KubeSource(KubernetesClient client, KubeTarget target, Duration resync) {
    this.client = client;
    this.target = target;
    this.resyncMillis = resync.toMillis();
  }

  /** Who hears of changes: set before {@link #watchCluster()} for the start to be seen too. */
  void onChange(Runnable listener) {
    this.onChange = listener;
  }

  /** Who hears of a failing read (once per distinct problem, again after it cleared). */
  void onProblem(ProblemListener listener) {
    this.onProblem = listener;
  }

  /** Starts watching the own Cluster; the first list may still be on its way. */
  void watchCluster() {
    informer("clusters", target.clusterName(), ClusterResource.resource(client, target));
  }

  /** The Cluster as last seen, or empty when it was not seen (yet). */
  Optional<GenericKubernetesResource> clusterObject() {
    return cached("clusters", target.clusterName(), GenericKubernetesResource.class);
  }

  @Override
  public Cluster cluster() throws InvalidSpecException, IOException {
    GenericKubernetesResource object =
        clusterObject()
            .orElseThrow(
                () ->
                    new IOException(
                        "Cluster "
                            + target.namespace()
                            + "/"
                            + target.clusterName()
                            + " does not exist (yet)"));
    String what = "Cluster " + target.namespace() + "/" + target.clusterName();
    String text = Serialization.asJson(object);
    if (text.length() > SpecParser.MAX_BYTES) {
      throw SpecParser.tooLarge(what, -1); // over the limit whatever its encoding
    }
    return SpecParser.parse(text.getBytes(StandardCharsets.UTF_8), what);
  }

  /**
   * @throws InputRefusedException naming the Secret and key when the value is over 1 MiB
   */
  @Override
  public Optional<byte[]> secret(String name, String key) throws InputRefusedException {
    informer("secrets", name, client.secrets().inNamespace(target.namespace()).withName(name));
    Optional<Secret> secret = cached("secrets", name, Secret.class);
    return secret.isEmpty()
        ? Optional.empty()
        : secretValue(secret.get(), key, what("Secret", name, key));
  }

  /**
   * @throws InputRefusedException naming the ConfigMap and key when the value is over 1 MiB
   */
  @Override
  public Optional<byte[]> configMap(String name, String key) throws InputRefusedException {
    informer(
        "configmaps", name, client.configMaps().inNamespace(target.namespace()).withName(name));
    Optional<ConfigMap> map = cached("configmaps", name, ConfigMap.class);
    return map.isEmpty()
        ? Optional.empty()
        : configMapValue(map.get(), key, what("ConfigMap", name, key));
  }

  private String what(String kind, String name, String key) {
    return kind + " " + target.namespace() + "/" + name + " key " + key;
  }

  @Override
  public String describeSecret(String name, String key) {
    return "key " + key + " of Secret " + target.namespace() + "/" + name;
  }

  /**
   * The owner's credentials: the operator creates the Secret; pgwarden never invents a password in
   * Kubernetes.
   */
  @Override
  public Credentials ownerCredentials(String name, String defaultUser) throws IOException {
    Optional<byte[]> password = secret(name, "password");
    if (password.isEmpty()) {
      throw new IOException(
          describeSecret(name, "password")
              + " is missing: the operator creates this Secret; check that it exists, has the key,"
              + " and that the Role names it (config/rbac/role.yaml)");
    }
    Optional<byte[]> user = secret(name, "username");
    return new Credentials(
        user.isEmpty() ? defaultUser : new String(credential(user.get(), name, "username")),
        credential(password.get(), name, "password"));
  }

  @Override
  public Optional<Credentials> credentials(String name) throws InputRefusedException {
    Optional<byte[]> user = secret(name, "username");
    Optional<byte[]> password = secret(name, "password");
    if (user.isEmpty() || password.isEmpty()) {
      return Optional.empty();
    }
    return Optional.of(
        new Credentials(
            new String(credential(user.get(), name, "username")),
            credential(password.get(), name, "password")));
  }

  /** A user name or password as text, refused by name with a control character. */
  private char[] credential(byte[] value, String name, String key) throws InputRefusedException {
    return InputLimits.credential(value, what("Secret", name, key), false);
  }

  /** The names of the objects watched, as {@code resource/name}. */
  List<String> watched() {
    return new ArrayList<>(informers.keySet());
  }

  /**
   * Stops watching what was not read for {@code idle}: a Secret the spec no longer names (the
   * superuser's once access is off, a renamed certificate Secret). Every reconcile reads what the
   * spec names, so anything still in use is read far more often. The Cluster is always watched.
   */
  void forgetUnused(Duration idle) {
    long now = System.nanoTime();
    for (Map.Entry<String, Named<?>> e : List.copyOf(informers.entrySet())) {
      if (!e.getKey().startsWith("clusters/") && now - e.getValue().lastRead > idle.toNanos()) {
        if (informers.remove(e.getKey(), e.getValue())) {
          e.getValue().informer.stop();
          problems.remove(e.getKey());
          log.debug("no longer watching {}: not read for {} s", e.getKey(), idle.toSeconds());
        }
      }
    }
  }

  @Override
  public void close() {
    for (Named<?> n : informers.values()) {
      n.informer.stop();
    }
    informers.clear();
  }

  private static Optional<byte[]> secretValue(Secret secret, String key, String what)
      throws InputRefusedException {
    if (secret.getData() != null && secret.getData().get(key) != null) {
      return decoded(secret.getData().get(key), what);
    }
    if (secret.getStringData() != null && secret.getStringData().get(key) != null) {
      return Optional.of(utf8(secret.getStringData().get(key), what));
    }
    return Optional.empty();
  }

  private static Optional<byte[]> configMapValue(ConfigMap map, String key, String what)
      throws InputRefusedException {
    if (map.getData() != null && map.getData().get(key) != null) {
      return Optional.of(utf8(map.getData().get(key), what));
    }
    if (map.getBinaryData() != null && map.getBinaryData().get(key) != null) {
      return decoded(map.getBinaryData().get(key), what);
    }
    return Optional.empty();
  }

  /** A base64 value, refused over 1 MiB decoded: its encoded length is checked first. */
  private static Optional<byte[]> decoded(String base64, String what) throws InputRefusedException {
    // 4 characters carry 3 bytes: a longer text cannot decode to 1 MiB or less.
    if (base64.length() > (InputLimits.MAX_BYTES + 2L) / 3 * 4) {
      throw InputLimits.tooLarge(what, -1);
    }
    byte[] value;
    try {
      value = Base64.getDecoder().decode(base64);
    } catch (IllegalArgumentException e) {
      return Optional.empty(); // the API server only stores valid base64
    }
    InputLimits.checkSize(value.length, what);
    return Optional.of(value);
  }

  private static byte[] utf8(String text, String what) throws InputRefusedException {
    // A char is at most 3 bytes in UTF-8: no copy of a text that is surely over the limit.
    if (text.length() > InputLimits.MAX_BYTES) {
      throw InputLimits.tooLarge(what, -1);
    }
    byte[] value = text.getBytes(StandardCharsets.UTF_8);
    InputLimits.checkSize(value.length, what);
    return value;
  }

  private <T extends HasMetadata> Optional<T> cached(String resource, String name, Class<T> type) {
    Named<?> n = informers.get(resource + "/" + name);
    if (n == null) {
      return Optional.empty();
    }
    n.lastRead = System.nanoTime();
    n.awaitFirstSync();
    Object found = n.informer.getStore().getByKey(target.namespace() + "/" + name);
    return type.isInstance(found) ? Optional.of(type.cast(found)) : Optional.empty();
  }

  /** The informer of {@code resource/name}, started on first use. */
  private <T extends HasMetadata> void informer(
      String resource, String name, Resource<T> operation) {
    String key = resource + "/" + name;
    if (informers.containsKey(key)) {
      return;
    }
    SharedIndexInformer<T> informer = operation.runnableInformer(resyncMillis);
    Named<T> created = new Named<>(key, informer);
    if (informers.putIfAbsent(key, created) != null) {
      return; // another thread won the race; this one was never started
    }
    log.debug("watching {} {}/{}", resource, target.namespace(), name);
    start(informer, resource, name);
  }

  private <T extends HasMetadata> void start(
      SharedIndexInformer<T> informer, String resource, String name) {
    String what = "get/list/watch";
    informer.addEventHandler(
        new ResourceEventHandler<T>() {
          @Override
          public void onAdd(T obj) {
            changed(resource, name);
          }

          @Override
          public void onUpdate(T oldObj, T newObj) {
            // A resync delivers the same object again: only a new version is a change.
            if (!sameVersion(oldObj, newObj)) {
              changed(resource, name);
            }
          }

          @Override
          public void onDelete(T obj, boolean deletedFinalStateUnknown) {
            changed(resource, name);
          }
        });
    informer.exceptionHandler(
        (started, t) -> {
          problem(
              resource,
              name,
              ApiProblems.describe(t, what, resource, name),
              ApiProblems.isForbidden(t));
          return true; // keep trying: an outage ends, a Role gets fixed
        });
    informer.start(); // the first read waits for the list (awaitFirstSync)
  }

  private static boolean sameVersion(HasMetadata a, HasMetadata b) {
    String va = a.getMetadata() == null ? null : a.getMetadata().getResourceVersion();
    String vb = b.getMetadata() == null ? null : b.getMetadata().getResourceVersion();
    return va != null && va.equals(vb);
  }

  private void changed(String resource, String name) {
    if (problems.remove(resource + "/" + name) != null) {
      log.info("{} {}/{} can be read again", resource, target.namespace(), name);
    }
    onChange.run();
  }

  private void problem(String resource, String name, String message, boolean forbidden) {
    String key = resource + "/" + name;
    Named<?> n = informers.get(key);
    if (n != null) {
      n.failed = true; // a first read waiting for this list stops waiting
    }
    if (!message.equals(problems.put(key, message))) {
      log.error("cannot read {} {}/{}: {}", resource, target.namespace(), name, message);
      onProblem.unreadable(resource + "/" + name, message, forbidden);
    }
  }

  /**
   * An informer and the first list it owes. A reader waits for that list once; if it does not come
   * (an outage, a 403 being retried), later reads take the empty cache at once.
   */
  private static final class Named<T> {
    private final String key;
    private final SharedIndexInformer<T> informer;
    private volatile boolean waited;
    private volatile boolean failed;
    private volatile long lastRead = System.nanoTime();

    Named(String key, SharedIndexInformer<T> informer) {
      this.key = key;
      this.informer = informer;
    }

    void awaitFirstSync() {
      if (waited) {
        return;
      }
      try {
        long deadline = System.nanoTime() + FIRST_SYNC.toNanos();
        while (!informer.hasSynced() && !failed && System.nanoTime() < deadline) {
          Thread.sleep(10);
        }
        if (!informer.hasSynced()) {
          log.debug("{} not listed yet{}", key, failed ? ": the list failed" : "");
        }
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
      } finally {
        waited = true;
      }
    }
  }
}
