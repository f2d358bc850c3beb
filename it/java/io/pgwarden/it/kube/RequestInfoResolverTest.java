package io.pgwarden.it.kube;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.pgwarden.it.kube.RbacEvaluator.Request;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * The resolver against the cases of the API server's own tests
 * (k8s.io/apiserver/pkg/endpoints/request/requestinfo_test.go) and the requests fabric8 sends.
 */
class RequestInfoResolverTest {

  private static Request resolve(String method, String target) {
    return RequestInfoResolver.resolve(method, target)
        .orElseThrow(() -> new AssertionError(target + " resolved as a non-resource request"));
  }

  // Empty CSV cells are null: group "" is written as the literal "core" and mapped back.
  @ParameterizedTest(name = "{0} {1}")
  @CsvSource({
    "GET,    /api/v1/namespaces/db/secrets/s,                 get,    core,   secrets,    , s,  db",
    "HEAD,   /api/v1/namespaces/db/secrets/s,                 get,    core,   secrets,    , s,  db",
    "GET,    /api/v1/namespaces/db/secrets,                   list,   core,   secrets,    , ,   db",
    "GET,    /api/v1/namespaces/db/secrets?watch=true,        watch,  core,   secrets,    , ,   db",
    "GET,    /api/v1/namespaces/db/secrets?watch=1,           watch,  core,   secrets,    , ,   db",
    "GET,    /api/v1/namespaces/db/secrets?watch=True,        watch,  core,   secrets,    , ,   db",
    "GET,    /api/v1/namespaces/db/secrets?watch=,            watch,  core,   secrets,    , ,   db",
    "GET,    /api/v1/namespaces/db/secrets?watch=false,       list,   core,   secrets,    , ,   db",
    "GET,    /api/v1/namespaces/db/secrets?watch=0,           list,   core,   secrets,    , ,   db",
    "GET,    /api/v1/namespaces/db/secrets?watch=0&watch=1,   list,   core,   secrets,    , ,   db",
    "GET,    /api/v1/watch/namespaces/db/secrets,             watch,  core,   secrets,    , ,   db",
    "GET,    /api/v1/watch/namespaces/db/secrets/s,           watch,  core,   secrets,    , s,  db",
    "POST,   /api/v1/namespaces/db/secrets,                   create, core,   secrets,    , ,   db",
    "PUT,    /api/v1/namespaces/db/secrets/s,                 update, core,   secrets,    , s,  db",
    "PATCH,  /api/v1/namespaces/db/secrets/s,                 patch,  core,   secrets,    , s,  db",
    "DELETE, /api/v1/namespaces/db/secrets/s,                 delete, core,   secrets,    , s,  db",
    "DELETE, /api/v1/namespaces/db/secrets,                   deletecollection, core, secrets, , , db",
    "OPTIONS, /api/v1/namespaces/db/secrets/s,                '',     core,   secrets,    , s,  db",
    "GET,    /api/v1/namespaces/db/pods/p/log,                get,    core,   pods,    log, p,  db",
    "POST,   /api/v1/namespaces/db/pods/p/exec?command=ls,    create, core,   pods,   exec, p,  db",
    "GET,    /api/v1/proxy/namespaces/db/pods/p/extra,        proxy,  core,   pods,       , p,  db",
    "GET,    /api/v1/nodes,                                   list,   core,   nodes,      , ,     ",
    "GET,    /api/v1/nodes/n1,                                get,    core,   nodes,      , n1,   ",
    "GET,    /api/v1/namespaces,                              list,   core,   namespaces, , ,     ",
    "GET,    /api/v1/namespaces/db,                           get,    core,   namespaces, , db, db",
    "PUT,    /api/v1/namespaces/db/status,                    update, core,   namespaces, status, db, db",
    "PUT,    /api/v1/namespaces/db/finalize,                  update, core,   namespaces, finalize, db, db",
    "GET,    /apis/postgresql.cnpg.io/v1/namespaces/db/clusters/c,    get, postgresql.cnpg.io, clusters, , c, db",
    "PATCH,  /apis/postgresql.cnpg.io/v1/namespaces/db/clusters/c/status, patch, postgresql.cnpg.io, clusters, status, c, db",
    "GET,    /apis/postgresql.cnpg.io/v1/clusters,            list, postgresql.cnpg.io, clusters, , , ",
    "POST,   /apis/events.k8s.io/v1/namespaces/db/events,     create, events.k8s.io, events, , , db",
    "GET,    /api/v1/namespaces/db/secrets/s/,                get,    core,   secrets,    , s,  db",
    "GET,    //api/v1/namespaces/db/secrets/s//,              get,    core,   secrets,    , s,  db",
    "GET,    /api/v1/namespaces/db/configmaps/a%2Bb,          get,    core,   configmaps, , a+b, db",
    "GET,    /api/v1/namespaces/db/configmaps/a+b,            get,    core,   configmaps, , a+b, db",
  })
  void resolvesLikeTheApiServer(
      String method,
      String target,
      String verb,
      String group,
      String resource,
      String subresource,
      String name,
      String namespace) {
    assertThat(resolve(method, target))
        .isEqualTo(
            new Request(
                verb, group.equals("core") ? "" : group, resource, subresource, name, namespace));
  }

  @ParameterizedTest(name = "fieldSelector={0} -> {1}")
  @CsvSource({
    "metadata.name%3Ds,                     s",
    "metadata.name=s,                       s",
    "metadata.name%3D%3Ds,                  s",
    "metadata.name==s,                      s",
    "metadata.name%3Ds%2Cstatus.phase%3DUp, s",
    "status.phase%3DUp%2Cmetadata.name%3Ds, s",
    "metadata.name%3Db%2Cmetadata.name%3Da, a",
    "metadata.name%3Da%5C%2Cb,              'a,b'",
    "%2Cmetadata.name%3Ds%2C,               s",
    "metadata.name%21%3Ds,                  ",
    "metadata.namespace%3Ds,                ",
    "metadata.name%3D,                      ",
    "metadata.name,                         ",
    "metadata.name%3Da%3Db,                 ",
    "metadata.name%3Da%5Cb,                 ",
    "metadata.name%3Da%2Fb,                 ",
    "metadata.name%3D..,                    ",
    "metadata.name%3Ds%2Cbroken,            ",
    "'',                                    ",
  })
  void aListNamesTheObjectItsFieldSelectorRequires(String selector, String name) {
    for (String prefix : new String[] {"", "watch=true&"}) {
      Request r =
          resolve("GET", "/api/v1/namespaces/db/secrets?" + prefix + "fieldSelector=" + selector);
      assertThat(r.name()).as("%sfieldSelector=%s", prefix, selector).isEqualTo(name);
      assertThat(r.verb()).isEqualTo(prefix.isEmpty() ? "list" : "watch");
    }
  }

  @Test
  void aFieldSelectorDoesNotNameTheObjectOfAPathWatch() {
    // As in the API server: only the get-turned-list-or-watch path reads the field selector.
    assertThat(
            resolve("GET", "/api/v1/watch/namespaces/db/secrets?fieldSelector=metadata.name%3Ds"))
        .isEqualTo(new Request("watch", "", "secrets", null, null, "db"));
  }

  @Test
  void aFieldSelectorDoesNotRenameANamedGet() {
    assertThat(resolve("GET", "/api/v1/namespaces/db/secrets/a?fieldSelector=metadata.name%3Db"))
        .isEqualTo(new Request("get", "", "secrets", null, "a", "db"));
  }

  @Test
  void pathAndQueryMayComeApart() {
    assertThat(
            RequestInfoResolver.resolve(
                "GET", "/api/v1/namespaces/db/secrets", "fieldSelector=metadata.name%3Ds&watch=1"))
        .contains(new Request("watch", "", "secrets", null, "s", "db"));
    assertThat(RequestInfoResolver.resolve("GET", "/api/v1/namespaces/db/secrets", null))
        .contains(new Request("list", "", "secrets", null, null, "db"));
  }

  @ParameterizedTest
  @ValueSource(
      strings = {
        "/",
        "/version",
        "/healthz",
        "/metrics",
        "/api",
        "/api/v1",
        "/apis",
        "/apis/postgresql.cnpg.io",
        "/apis/postgresql.cnpg.io/v1",
        "/openapi/v2",
        "/other/v1/namespaces/db/secrets"
      })
  void nonResourceRequestsResolveToNothing(String path) {
    assertThat(RequestInfoResolver.resolve("GET", path)).isEmpty();
  }

  @Test
  void aSpecialVerbWithoutAResourceIsAnError() {
    assertThatThrownBy(() -> RequestInfoResolver.resolve("GET", "/api/v1/watch"))
        .isInstanceOf(IllegalArgumentException.class);
  }
}
