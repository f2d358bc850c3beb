package io.pgwarden.it;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.awaitility.Awaitility.await;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.github.dockerjava.api.DockerClient;
import com.github.dockerjava.api.exception.NotFoundException;
import com.github.dockerjava.api.model.Capability;
import com.github.dockerjava.api.model.ChangeLog;
import com.github.dockerjava.api.model.Mount;
import com.github.dockerjava.api.model.MountType;
import java.io.IOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Properties;
import java.util.UUID;
import java.util.function.Consumer;
import java.util.regex.Pattern;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.MethodOrderer;
import org.junit.jupiter.api.Order;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestMethodOrder;
import org.junit.jupiter.api.io.TempDir;
import org.testcontainers.DockerClientFactory;
import org.testcontainers.containers.Container.ExecResult;
import org.testcontainers.containers.GenericContainer;
import org.testcontainers.containers.output.OutputFrame.OutputType;
import org.testcontainers.containers.startupcheck.OneShotStartupCheckStrategy;
import org.testcontainers.containers.wait.strategy.Wait;
import org.testcontainers.postgresql.PostgreSQLContainer;
import org.testcontainers.utility.DockerImageName;

/**
 * The image run as Kubernetes runs it, through Testcontainers over podman's Docker-compatible
 * service: read-only root filesystem, user 26:26, no capability, no-new-privileges, a tmpfs for
 * /controller and a volume for PGDATA, in standalone mode. The image is built beforehand by {@code
 * scripts/build-image} (as {@code .ci/run} does) and reused. The methods share one container and
 * run in order: the last ones stop it.
 */
@TestMethodOrder(MethodOrderer.OrderAnnotation.class)
class ContainerIT {
  private static final String DATA = "/var/lib/postgresql/data";
  private static final String SECRETS = DATA + "/secrets";
  private static final ObjectMapper JSON = new ObjectMapper();

  @TempDir static Path tmp;
  private static String volume;
  private static PostgreSQLContainer pg;
  private static Path caCrt;
  private static String password;

  @BeforeAll
  static void start() throws Exception {
    Podman.requireService();
    String image = Podman.image();
    DockerClient docker = DockerClientFactory.instance().client();
    try {
      docker.inspectImageCmd(image).exec();
    } catch (NotFoundException e) {
      throw new AssertionError(
          "image " + image + " is missing: build it with scripts/build-image (as root)", e);
    }
    volume = "pgwarden-it-" + UUID.randomUUID();
    docker.createVolumeCmd().withName(volume).exec();
    pg =
        new PostgreSQLContainer(DockerImageName.parse(image).asCompatibleSubstituteFor("postgres"));
    pg.withCommand("standalone", "--controller-dir", "/controller")
        .withExposedPorts(5432, 8000, 9187)
        // exec: JNA and Netty load the native libraries they unpack there.
        .withTmpFs(Map.of("/controller", "rw,exec,nosuid,nodev,size=64m,mode=0700,U"))
        .withCreateContainerCmdModifier(
            cmd ->
                cmd.withUser("26:26")
                    .getHostConfig()
                    .withReadonlyRootfs(true)
                    .withCapDrop(Capability.ALL)
                    .withSecurityOpts(List.of("no-new-privileges"))
                    .withMounts(List.of(dataVolume())))
        .waitingFor(
            Wait.forHttps("/readyz")
                .forPort(8000)
                .allowInsecure()
                .withStartupTimeout(Duration.ofMinutes(2)));
    pg.start();
    caCrt = tmp.resolve("ca.crt");
    pg.copyFileFromContainer(SECRETS + "/pgwarden-ca/ca.crt", caCrt.toString());
    password =
        pg.copyFileFromContainer(
            SECRETS + "/pgwarden-app/password",
            in -> new String(in.readAllBytes(), StandardCharsets.UTF_8));
  }

  @AfterAll
  static void remove() {
    if (pg != null) {
      pg.stop();
    }
    if (volume != null) {
      DockerClientFactory.instance().client().removeVolumeCmd(volume).exec();
    }
  }

  private static Mount dataVolume() {
    return new Mount().withType(MountType.VOLUME).withSource(volume).withTarget(DATA);
  }

  private static Connection tcp(String sslmode) throws SQLException {
    Properties p = new Properties();
    p.setProperty("user", "app");
    p.setProperty("password", password);
    p.setProperty("sslmode", sslmode);
    p.setProperty("sslrootcert", caCrt.toString());
    p.setProperty("gssEncMode", "disable");
    return DriverManager.getConnection(
        "jdbc:postgresql://localhost:" + pg.getMappedPort(5432) + "/app", p);
  }

  private static String sh(String script) throws Exception {
    ExecResult r = pg.execInContainer("/bin/sh", "-c", script);
    assertThat(r.getExitCode()).as("%s: %s", script, r.getStderr()).isZero();
    return r.getStdout();
  }

  @Test
  @Order(1)
  void postgresAcceptsTls13WithTheGeneratedOwnersPassword() throws Exception {
    try (Connection c = tcp("verify-full");
        Statement s = c.createStatement();
        ResultSet rs =
            s.executeQuery("SELECT version FROM pg_stat_ssl WHERE pid = pg_backend_pid()")) {
      assertThat(rs.next()).isTrue();
      assertThat(rs.getString(1)).isEqualTo("TLSv1.3");
    }
  }

  @Test
  @Order(2)
  void postgresRefusesPlainTcp() {
    assertThatThrownBy(() -> tcp("disable").close()).isInstanceOf(SQLException.class);
  }

  @Test
  @Order(3)
  void statusPortAnswersReadyzOverTls13() throws Exception {
    HttpResponse<String> r = new Https(caCrt, pg.getMappedPort(8000), null).get("/readyz");
    assertThat(r.statusCode()).isEqualTo(200);
    assertThat(r.sslSession())
        .hasValueSatisfying(s -> assertThat(s.getProtocol()).isEqualTo("TLSv1.3"));
  }

  @Test
  @Order(4)
  void metricsPortServesCollectorUp() throws Exception {
    HttpResponse<String> r =
        HttpClient.newHttpClient()
            .send(
                HttpRequest.newBuilder(
                        URI.create("http://localhost:" + pg.getMappedPort(9187) + "/metrics"))
                    .timeout(Duration.ofSeconds(30))
                    .build(),
                HttpResponse.BodyHandlers.ofString());
    assertThat(r.statusCode()).isEqualTo(200);
    assertThat(r.body())
        .containsPattern(Pattern.compile("(?m)^cnpg_collector_up(\\{[^}]*\\})? 1(\\.0)?$"));
  }

  @Test
  @Order(5)
  void runsWithNoCapabilityAndNoNewPrivileges() throws Exception {
    String status =
        sh(
            "while read -r k v; do case $k in Cap*|NoNewPrivs:) echo \"$k $v\";; esac; done"
                + " </proc/1/status");
    assertThat(status)
        .contains("CapInh: 0000000000000000")
        .contains("CapPrm: 0000000000000000")
        .contains("CapEff: 0000000000000000")
        .contains("CapBnd: 0000000000000000")
        .contains("CapAmb: 0000000000000000")
        .contains("NoNewPrivs: 1");
  }

  @Test
  @Order(6)
  void pid1ReapsAnOrphan() throws Exception {
    // A subshell busy for about a second whose parent exits at once: the orphan is handed to
    // PID 1 (pgwarden), which must reap it when it exits, or it stays a zombie.
    String pid =
        sh("( i=0; while [ $i -lt 400000 ]; do i=$((i+1)); done ) >/dev/null 2>&1 & echo $!")
            .trim();
    String zombies =
        "for f in /proc/[0-9]*/stat; do read -r l <\"$f\" && case \"$l\" in *\") Z \"*) echo"
            + " \"$l\";; esac; done 2>/dev/null; true";
    await()
        .atMost(Duration.ofSeconds(30))
        .untilAsserted(
            () -> {
              assertThat(sh("[ -e /proc/" + pid + " ] && echo alive || echo gone").trim())
                  .isEqualTo("gone");
              assertThat(sh(zombies)).isBlank();
            });
  }

  @Test
  @Order(7)
  void idleMemory() throws Exception {
    // Not an assertion: the idle RSS of pgwarden (PID 1) and of all postgres processes, for the
    // record.
    String rss =
        sh(
            "for d in /proc/[0-9]*; do n=; r=; while read -r k v u; do case $k in Name:) n=$v;;"
                + " VmRSS:) r=$v;; esac; done <$d/status; [ -n \"$r\" ] && echo \"${d#/proc/} $n $r\";"
                + " done 2>/dev/null; true");
    long java = 0;
    long postgres = 0;
    for (String line : rss.lines().toList()) {
      String[] f = line.trim().split(" ", -1);
      if (f.length == 3) {
        if ("1".equals(f[0])) {
          java += Long.parseLong(f[2]);
        } else if (f[1].startsWith("postgres")) {
          postgres += Long.parseLong(f[2]);
        }
      }
    }
    System.out.printf(
        "ContainerIT idle RSS: pgwarden (PID 1) %d MB, postgres (all processes, shared pages counted"
            + " in each) %d MB%n",
        java / 1024, postgres / 1024);
    assertThat(java).isPositive();
  }

  @Test
  @Order(10)
  void stopShutsPostgresDownCleanlyAndLeavesTheRootFilesystemUntouched() throws Exception {
    DockerClient docker = DockerClientFactory.instance().client();
    String id = pg.getContainerId();
    // podman stop: SIGTERM to PID 1, SIGKILL after the timeout.
    docker.stopContainerCmd(id).withTimeout(120).exec();
    assertThat(docker.inspectContainerCmd(id).exec().getState().getExitCodeLong()).isZero();

    List<ChangeLog> diff = docker.containerDiffCmd(id).exec();
    assertThat(diff == null ? List.<ChangeLog>of() : diff)
        .as("podman diff: written outside the writable mounts")
        .isEmpty();

    List<String> lines = new ArrayList<>();
    for (String line : pg.getLogs(OutputType.STDOUT).lines().toList()) {
      if (!line.isBlank()) {
        lines.add(line);
      }
    }
    assertThat(lines).isNotEmpty();
    for (String line : lines) {
      JsonNode node = parse(line);
      assertThat(node.isObject()).as("stdout line is a JSON object: %s", line).isTrue();
    }

    // pg_controldata in a second container on the same volume, hardened the same way.
    try (GenericContainer<?> controldata =
        new GenericContainer<>(DockerImageName.parse(Podman.image()))) {
      Consumer<com.github.dockerjava.api.command.CreateContainerCmd> hardened =
          cmd ->
              cmd.withUser("26:26")
                  .withEntrypoint("/usr/lib/postgresql/15/bin/pg_controldata")
                  .getHostConfig()
                  .withReadonlyRootfs(true)
                  .withCapDrop(Capability.ALL)
                  .withSecurityOpts(List.of("no-new-privileges"))
                  .withMounts(List.of(dataVolume()));
      controldata
          .withCommand(DATA + "/pgdata")
          .withCreateContainerCmdModifier(hardened)
          .withStartupCheckStrategy(
              new OneShotStartupCheckStrategy().withTimeout(Duration.ofSeconds(60)));
      controldata.start();
      assertThat(controldata.getLogs()).containsPattern("Database cluster state: +shut down\\R");
    }
  }

  private static JsonNode parse(String line) {
    try {
      return JSON.readTree(line);
    } catch (IOException e) {
      throw new AssertionError("stdout line is not JSON: " + line, e);
    }
  }
}
