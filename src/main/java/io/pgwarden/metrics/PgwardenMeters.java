package io.pgwarden.metrics;

import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.FunctionCounter;
import io.micrometer.core.instrument.Gauge;
import io.micrometer.core.instrument.binder.jvm.JvmGcMetrics;
import io.micrometer.core.instrument.binder.jvm.JvmMemoryMetrics;
import io.micrometer.core.instrument.binder.system.UptimeMetrics;
import io.micrometer.prometheusmetrics.PrometheusMeterRegistry;
import java.lang.management.ManagementFactory;
import java.lang.management.ThreadMXBean;
import java.time.Clock;
import java.time.Instant;
import java.util.Map;
import java.util.function.LongSupplier;
import java.util.function.Supplier;

/**
 * pgwarden's own meters ({@code pgwarden_*}) and the JVM's, on a Micrometer registry whose
 * Prometheus registry also holds the SQL collectors. Counters over state that already counts itself
 * (the supervisor's restarts, the log writer's records) read it at scrape time.
 */
public final class PgwardenMeters implements InstanceMeters, AutoCloseable {
  /** What the meters read; each supplier is called at scrape time, on the scrape thread. */
  public record Sources(
      LongSupplier restarts,
      LongSupplier logRecords,
      LongSupplier logBytes,
      LongSupplier logRecordsDropped,
      Supplier<Map<String, Instant>> certificateNotAfter) {}

  private final Counter reloads;
  private final Counter configHashChanges;
  private final Counter statusRequests;
  private final JvmGcMetrics gc = new JvmGcMetrics();

  /**
   * Registers the meters on {@code registry}.
   *
   * @param clock for the seconds left on certificates
   */
  public PgwardenMeters(PrometheusMeterRegistry registry, Sources sources, Clock clock) {
    functionCounter(registry, MetricNames.POSTGRES_RESTARTS, sources.restarts());
    functionCounter(registry, MetricNames.LOG_RECORDS, sources.logRecords());
    functionCounter(registry, MetricNames.LOG_BYTES, sources.logBytes());
    functionCounter(registry, MetricNames.LOG_RECORDS_DROPPED, sources.logRecordsDropped());
    reloads = counter(registry, MetricNames.POSTGRES_RELOADS);
    configHashChanges = counter(registry, MetricNames.CONFIG_HASH_CHANGES);
    statusRequests = counter(registry, MetricNames.STATUS_REQUESTS);
    Supplier<Map<String, Instant>> notAfter = sources.certificateNotAfter();
    for (String certificate : MetricNames.CERTIFICATES) {
      Gauge.builder(
              MetricNames.CERTIFICATE_EXPIRY_SECONDS.micrometerName(),
              notAfter,
              s -> secondsLeft(s.get().get(certificate), clock))
          .description(MetricNames.CERTIFICATE_EXPIRY_SECONDS.help())
          .tag("certificate", certificate)
          .register(registry);
    }
    new JvmMemoryMetrics().bindTo(registry);
    gc.bindTo(registry);
    threads(registry);
    // No ProcessorMetrics: its process_cpu_time_ns_total and system_cpu_count fail promtool's
    // lint (unit suffix, counter naming); the JVM's memory, GC, threads and uptime are enough here.
    new UptimeMetrics().bindTo(registry);
  }

  /**
   * Live, daemon and peak threads, as Micrometer's JvmThreadMetrics names them, without its
   * per-state gauges: each of those takes a dump of every thread's info, six times a scrape.
   */
  private static void threads(PrometheusMeterRegistry registry) {
    ThreadMXBean threads = ManagementFactory.getThreadMXBean();
    Gauge.builder("jvm.threads.live", threads, ThreadMXBean::getThreadCount)
        .description(
            "The current number of live threads including both daemon and non-daemon threads")
        .baseUnit("threads")
        .register(registry);
    Gauge.builder("jvm.threads.daemon", threads, ThreadMXBean::getDaemonThreadCount)
        .description("The current number of live daemon threads")
        .baseUnit("threads")
        .register(registry);
    Gauge.builder("jvm.threads.peak", threads, ThreadMXBean::getPeakThreadCount)
        .description(
            "The peak live thread count since the Java virtual machine started or peak was reset")
        .baseUnit("threads")
        .register(registry);
  }

  private static double secondsLeft(Instant notAfter, Clock clock) {
    return notAfter == null
        ? Double.NaN
        : (notAfter.toEpochMilli() - clock.instant().toEpochMilli()) / 1000.0;
  }

  private static void functionCounter(
      PrometheusMeterRegistry registry, MetricNames.Name name, LongSupplier value) {
    FunctionCounter.builder(name.micrometerName(), value, v -> (double) v.getAsLong())
        .description(name.help())
        .register(registry);
  }

  private static Counter counter(PrometheusMeterRegistry registry, MetricNames.Name name) {
    return Counter.builder(name.micrometerName()).description(name.help()).register(registry);
  }

  @Override
  public void reloaded() {
    reloads.increment();
  }

  @Override
  public void configHashChanged() {
    configHashChanges.increment();
  }

  @Override
  public void statusRequest() {
    statusRequests.increment();
  }

  /** Unhooks the GC notification listeners. */
  @Override
  public void close() {
    gc.close();
  }
}
