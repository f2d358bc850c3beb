package io.pgwarden.metrics.queries;

import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.util.List;

/** The default monitoring queries bundled with pgwarden, the equivalents of CloudNativePG's. */
public final class DefaultQueries {
  /** The classpath resource holding them. */
  public static final String RESOURCE = "/io/pgwarden/metrics/default-monitoring.yaml";

  private DefaultQueries() {}

  /** The bundled queries; a problem in them is a build defect, so it is unchecked. */
  public static List<UserQuery> load() {
    try (InputStream in = DefaultQueries.class.getResourceAsStream(RESOURCE)) {
      if (in == null) {
        throw new IllegalStateException("the jar lacks " + RESOURCE + "; rebuild pgwarden");
      }
      return QueriesParser.parse(RESOURCE, new String(in.readAllBytes(), StandardCharsets.UTF_8));
    } catch (IOException e) {
      throw new UncheckedIOException("while reading " + RESOURCE, e);
    } catch (QueriesException e) {
      throw new IllegalStateException(
          "the bundled " + RESOURCE + " is broken: " + e.getMessage(), e);
    }
  }
}
