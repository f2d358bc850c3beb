package io.pgwarden.kube;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.pgwarden.settings.InvalidSettingException;
import java.util.Map;
import org.junit.jupiter.api.Test;

class KubeTargetTest {
  @Test
  void readsTheThreeVariables() {
    KubeTarget t =
        KubeTarget.fromEnvironment(
            Map.of("NAMESPACE", "prod", "CLUSTER_NAME", "db", "POD_NAME", "db-1"));
    assertThat(t).isEqualTo(new KubeTarget("prod", "db", "db-1"));
  }

  @Test
  void namesTheMissingOrMalformedVariable() {
    assertThatThrownBy(
            () -> KubeTarget.fromEnvironment(Map.of("CLUSTER_NAME", "db", "POD_NAME", "db-1")))
        .isInstanceOf(InvalidSettingException.class)
        .hasMessageStartingWith("NAMESPACE: must be set");
    assertThatThrownBy(
            () ->
                KubeTarget.fromEnvironment(
                    Map.of("NAMESPACE", "prod", "CLUSTER_NAME", "../db", "POD_NAME", "db-1")))
        .isInstanceOf(InvalidSettingException.class)
        .hasMessageStartingWith("CLUSTER_NAME: '../db' is not a valid Kubernetes name");
    assertThatThrownBy(
            () ->
                KubeTarget.fromEnvironment(
                    Map.of("NAMESPACE", "prod", "CLUSTER_NAME", "db", "POD_NAME", "DB_1")))
        .isInstanceOf(InvalidSettingException.class)
        .hasMessageStartingWith("POD_NAME:");
  }
}
