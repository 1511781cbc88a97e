import { Injectable } from '@nestjs/common';

type Labels = Record<string, string>;

function labelText(labels: Labels): string {
  const parts = Object.entries(labels).map(([k, v]) => `${k}="${v.replace(/["\\\n]/g, '_')}"`);
  return parts.length ? `{${parts.join(',')}}` : '';
}

export class Counter {
  private readonly values = new Map<string, number>();

  constructor(
    readonly name: string,
    readonly help: string,
  ) {}

  inc(by = 1, labels: Labels = {}): void {
    const key = labelText(labels);
    this.values.set(key, (this.values.get(key) ?? 0) + by);
  }

  render(): string[] {
    const lines = [`# HELP ${this.name} ${this.help}`, `# TYPE ${this.name} counter`];
    if (this.values.size === 0) lines.push(`${this.name} 0`);
    for (const [labels, value] of this.values) lines.push(`${this.name}${labels} ${value}`);
    return lines;
  }
}

export class Histogram {
  private readonly counts: number[];
  private sum = 0;
  private total = 0;

  constructor(
    readonly name: string,
    readonly help: string,
    readonly buckets: number[],
  ) {
    this.counts = buckets.map(() => 0);
  }

  observe(value: number): void {
    this.sum += value;
    this.total++;
    const index = this.buckets.findIndex((bound) => value <= bound);
    if (index >= 0) this.counts[index]++;
  }

  render(): string[] {
    const lines = [`# HELP ${this.name} ${this.help}`, `# TYPE ${this.name} histogram`];
    let cumulative = 0;
    this.buckets.forEach((bound, i) => {
      cumulative += this.counts[i];
      lines.push(`${this.name}_bucket{le="${bound}"} ${cumulative}`);
    });
    lines.push(
      `${this.name}_bucket{le="+Inf"} ${this.total}`,
      `${this.name}_sum ${this.sum}`,
      `${this.name}_count ${this.total}`,
    );
    return lines;
  }
}

/** Gauges are read when scraped, so they never go stale. */
export type GaugeCollector = () => Promise<Array<{ labels?: Labels; value: number }>>;

/**
 * The app's metrics in Prometheus text format. Counters and histograms live in this process
 * (each replica is scraped on its own); gauges are collected from Redis at scrape time.
 */
@Injectable()
export class MetricsRegistry {
  private readonly counters: Counter[] = [];
  private readonly histograms: Histogram[] = [];
  private readonly gauges: Array<{ name: string; help: string; collect: GaugeCollector }> = [];

  counter(name: string, help: string): Counter {
    const counter = new Counter(name, help);
    this.counters.push(counter);
    return counter;
  }

  histogram(name: string, help: string, buckets: number[]): Histogram {
    const histogram = new Histogram(name, help, buckets);
    this.histograms.push(histogram);
    return histogram;
  }

  gauge(name: string, help: string, collect: GaugeCollector): void {
    this.gauges.push({ name, help, collect });
  }

  async render(): Promise<string> {
    const lines: string[] = [];
    for (const metric of [...this.counters, ...this.histograms]) lines.push(...metric.render());
    for (const gauge of this.gauges) {
      lines.push(`# HELP ${gauge.name} ${gauge.help}`, `# TYPE ${gauge.name} gauge`);
      for (const { labels, value } of await gauge.collect())
        lines.push(`${gauge.name}${labelText(labels ?? {})} ${value}`);
    }
    return lines.join('\n') + '\n';
  }
}
