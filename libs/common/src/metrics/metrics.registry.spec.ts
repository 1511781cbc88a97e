import { MetricsRegistry } from './metrics.registry';

describe('MetricsRegistry', () => {
  it('renders counters with labels, cumulative histogram buckets and collected gauges', async () => {
    const registry = new MetricsRegistry();
    const accepted = registry.counter('tq_accepted_total', 'Tasks accepted');
    accepted.inc(2, { queue: 'email' });
    accepted.inc(1, { queue: 'email' });
    const latency = registry.histogram('tq_latency_seconds', 'Latency', [0.1, 1]);
    latency.observe(0.05);
    latency.observe(0.5);
    latency.observe(5);
    registry.gauge('tq_depth', 'Depth', async () => [{ labels: { queue: 'a"b' }, value: 7 }]);

    const text = await registry.render();
    expect(text).toContain('tq_accepted_total{queue="email"} 3');
    expect(text).toContain('tq_latency_seconds_bucket{le="0.1"} 1');
    expect(text).toContain('tq_latency_seconds_bucket{le="1"} 2');
    expect(text).toContain('tq_latency_seconds_bucket{le="+Inf"} 3');
    expect(text).toContain('tq_latency_seconds_sum 5.55');
    expect(text).toContain('tq_depth{queue="a_b"} 7');
  });
});
