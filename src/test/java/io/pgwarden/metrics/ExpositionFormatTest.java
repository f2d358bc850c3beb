package io.pgwarden.metrics;

import static org.assertj.core.api.Assertions.assertThat;

import io.micrometer.prometheusmetrics.PrometheusConfig;
import io.prometheus.metrics.config.PrometheusPropertiesLoader;
import io.prometheus.metrics.expositionformats.ExpositionFormats;
import org.junit.jupiter.api.Test;

class ExpositionFormatTest {
  /** Each format's content type picks the library writer of that format, as Micrometer does. */
  @Test
  void eachFormatIsWrittenByTheLibrarysWriterOfThatFormat() {
    ExpositionFormats library =
        ExpositionFormats.init(
            PrometheusPropertiesLoader.load(PrometheusConfig.DEFAULT.prometheusProperties()));
    assertThat(library.findWriter(ExpositionFormat.PROMETHEUS_TEXT.contentType()))
        .isSameAs(library.getPrometheusTextFormatWriter());
    assertThat(library.findWriter(ExpositionFormat.OPENMETRICS.contentType()))
        .isSameAs(library.getOpenMetricsTextFormatWriter());
    assertThat(library.getPrometheusTextFormatWriter().getContentType())
        .isEqualTo(ExpositionFormat.PROMETHEUS_TEXT.contentType());
    assertThat(library.getOpenMetricsTextFormatWriter().getContentType())
        .isEqualTo(ExpositionFormat.OPENMETRICS.contentType());
  }

  @Test
  void negotiation() {
    assertThat(ExpositionFormat.negotiate(null)).isEqualTo(ExpositionFormat.PROMETHEUS_TEXT);
    assertThat(ExpositionFormat.negotiate("*/*")).isEqualTo(ExpositionFormat.PROMETHEUS_TEXT);
    assertThat(ExpositionFormat.negotiate("text/plain;version=0.0.4"))
        .isEqualTo(ExpositionFormat.PROMETHEUS_TEXT);
    assertThat(ExpositionFormat.negotiate("Application/OpenMetrics-Text; version=1.0.0"))
        .isEqualTo(ExpositionFormat.OPENMETRICS);
    assertThat(ExpositionFormat.negotiate("application/openmetrics-text;q=0, text/plain"))
        .isEqualTo(ExpositionFormat.PROMETHEUS_TEXT);
  }

  @Test
  void theQueryCarriesTheChoiceOnly() {
    assertThat(
            MetricsNegotiation.withQuery(
                "/metrics?format=openmetrics", ExpositionFormat.PROMETHEUS_TEXT))
        .isEqualTo("/metrics");
    assertThat(MetricsNegotiation.withQuery("/metrics#x", ExpositionFormat.OPENMETRICS))
        .isEqualTo("/metrics?format=openmetrics");
    assertThat(MetricsNegotiation.formatOf("format=openmetrics"))
        .isEqualTo(ExpositionFormat.OPENMETRICS);
    assertThat(MetricsNegotiation.formatOf("")).isEqualTo(ExpositionFormat.PROMETHEUS_TEXT);
  }
}
