package io.pgwarden.metrics;

import edu.umd.cs.findbugs.annotations.SuppressFBWarnings;
import java.util.Locale;

/**
 * The two text formats Prometheus reads, chosen from the scrape's {@code Accept} header:
 * OpenMetrics 1.0 when the scraper names it (Prometheus does by default), the Prometheus text
 * format 0.0.4 otherwise. The protobuf format is never offered: the text formats carry everything
 * pgwarden exports.
 */
public enum ExpositionFormat {
  /** {@code text/plain; version=0.0.4}. */
  PROMETHEUS_TEXT("text/plain; version=0.0.4; charset=utf-8"),
  /** OpenMetrics 1.0, which ends with {@code # EOF}. */
  OPENMETRICS("application/openmetrics-text; version=1.0.0; charset=utf-8");

  private final String contentType;

  ExpositionFormat(String contentType) {
    this.contentType = contentType;
  }

  /** The {@code Content-Type} of a response in this format. */
  public String contentType() {
    return contentType;
  }

  /**
   * The format for an {@code Accept} header (null when absent): OpenMetrics when any of its media
   * ranges is {@code application/openmetrics-text} with a non-zero quality.
   */
  @SuppressFBWarnings(
      value = "IMPROPER_UNICODE",
      justification =
          "media types are ASCII (RFC 9110) and compared case-insensitively to pick an output"
              + " format: no access decision depends on it")
  public static ExpositionFormat negotiate(String accept) {
    if (accept == null) {
      return PROMETHEUS_TEXT;
    }
    for (String range : accept.split(",", -1)) {
      String[] parts = range.split(";", -1);
      if (!parts[0].trim().equalsIgnoreCase("application/openmetrics-text")) {
        continue;
      }
      if (!refused(parts)) {
        return OPENMETRICS;
      }
    }
    return PROMETHEUS_TEXT;
  }

  private static boolean refused(String[] parameters) {
    for (int i = 1; i < parameters.length; i++) {
      String p = parameters[i].trim().toLowerCase(Locale.ROOT);
      if (p.startsWith("q=")) {
        try {
          return Double.parseDouble(p.substring(2).trim()) <= 0;
        } catch (NumberFormatException e) {
          return false; // a malformed quality: take the range as offered
        }
      }
    }
    return false;
  }
}
