import { Injectable, OnModuleInit } from '@nestjs/common';
import { collectDefaultMetrics, Counter, Gauge, Histogram, Registry } from 'prom-client';

export type Labels = Record<string, string>;

type GaugeValues = Array<{ labels?: Labels; value: number }>;

/** Gauges are read when scraped, so they never go stale. */
export type GaugeCollector = () => GaugeValues | Promise<GaugeValues>;

/**
 * prom-client's gauges of the same counts with a `_total` suffix, which promtool refuses on a gauge;
 * the labelled `nodejs_active_handles` (and the others) carry the same numbers per type.
 */
const GAUGES_NAMED_LIKE_COUNTERS = [
  'nodejs_active_handles_total',
  'nodejs_active_requests_total',
  'nodejs_active_resources_total',
];

let processMetrics: Registry | undefined;

/**
 * The process's CPU, memory, heap, GC and event-loop-lag metrics. They belong to the process, not to
 * an app, so one set serves every app in it: e2e tests boot many apps in one process, and each set
 * keeps a GC observer and an event-loop timer for good.
 */
function processRegistry(): Registry {
  if (!processMetrics) {
    processMetrics = new Registry();
    collectDefaultMetrics({ register: processMetrics });
    for (const name of GAUGES_NAMED_LIKE_COUNTERS) processMetrics.removeSingleMetric(name);
  }
  return processMetrics;
}

/**
 * The app's metrics, kept by prom-client in a registry of the app's own (not prom-client's global
 * one, so apps booted in one process do not collide), plus the process metrics once the app starts.
 * Counters and histograms live in this process (each replica is scraped on its own); gauges are
 * collected at scrape time.
 */
@Injectable()
export class MetricsRegistry implements OnModuleInit {
  private readonly registry = new Registry();
  private process?: Registry;

  /**
   * Started with the app, not when constructed: the producer's CLI builds its services by hand and serves no metrics.
   */
  onModuleInit(): void {
    this.process = processRegistry();
  }

  counter<L extends string = string>(name: string, help: string, labelNames: readonly L[] = []): Counter<L> {
    return new Counter({ name, help, labelNames, registers: [this.registry] });
  }

  histogram<L extends string = string>(
    name: string,
    help: string,
    buckets: number[],
    labelNames: readonly L[] = [],
  ): Histogram<L> {
    return new Histogram({ name, help, buckets, labelNames, registers: [this.registry] });
  }

  /** A gauge whose values `collect` reads at each scrape; label sets it no longer returns disappear. */
  gauge(name: string, help: string, labelNames: readonly string[], collect: GaugeCollector): void {
    new Gauge({
      name,
      help,
      labelNames,
      registers: [this.registry],
      async collect() {
        const values = await collect();
        this.reset();
        for (const { labels, value } of values) this.set(labels ?? {}, value);
      },
    });
  }

  render(): Promise<string> {
    return (this.process ? Registry.merge([this.registry, this.process]) : this.registry).metrics();
  }
}
