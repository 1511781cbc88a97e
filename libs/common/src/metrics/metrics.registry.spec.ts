import { MetricsRegistry } from './metrics.registry';

describe('MetricsRegistry', () => {
  it('renders counters with labels, cumulative histogram buckets and collected gauges', async () => {
    const registry = new MetricsRegistry();
    const accepted = registry.counter('tq_accepted_total', 'Tasks accepted', ['queue']);
    accepted.inc({ queue: 'email' }, 2);
    accepted.inc({ queue: 'email' });
    const latency = registry.histogram('tq_latency_seconds', 'Latency', [0.1, 1]);
    latency.observe(0.05);
    latency.observe(0.5);
    latency.observe(5);
    registry.gauge('tq_depth', 'Depth', ['queue'], () => [{ labels: { queue: 'a"b' }, value: 7 }]);

    const text = await registry.render();
    expect(text).toContain('# TYPE tq_accepted_total counter');
    expect(text).toContain('tq_accepted_total{queue="email"} 3');
    expect(text).toContain('tq_latency_seconds_bucket{le="0.1"} 1');
    expect(text).toContain('tq_latency_seconds_bucket{le="1"} 2');
    expect(text).toContain('tq_latency_seconds_bucket{le="+Inf"} 3');
    expect(text).toContain('tq_latency_seconds_sum 5.55');
    expect(text).toContain('tq_depth{queue="a\\"b"} 7');
  });

  it('shows an unlabelled counter at 0 before anything is counted', async () => {
    const registry = new MetricsRegistry();
    registry.counter('tq_cancelled_total', 'Tasks cancelled');
    expect(await registry.render()).toMatch(/^tq_cancelled_total 0$/m);
  });

  it('drops a gauge label set that collect no longer returns', async () => {
    const registry = new MetricsRegistry();
    let queues = ['a', 'b'];
    registry.gauge('tq_depth', 'Depth', ['queue'], () => queues.map((queue) => ({ labels: { queue }, value: 1 })));
    expect(await registry.render()).toContain('tq_depth{queue="b"} 1');
    queues = ['a'];
    const text = await registry.render();
    expect(text).toContain('tq_depth{queue="a"} 1');
    expect(text).not.toContain('queue="b"');
  });

  it('keeps each app its own registry: two apps in one process may name the same metric', async () => {
    const first = new MetricsRegistry();
    const second = new MetricsRegistry();
    first.counter('tq_acked_total', 'Acked').inc(2);
    second.counter('tq_acked_total', 'Acked').inc(5);
    expect(await first.render()).toMatch(/^tq_acked_total 2$/m);
    expect(await second.render()).toMatch(/^tq_acked_total 5$/m);
  });

  it('adds the process metrics once the app starts, without gauges named like counters', async () => {
    const registry = new MetricsRegistry();
    expect(await registry.render()).not.toContain('process_cpu_seconds_total');
    registry.onModuleInit();
    const text = await registry.render();
    for (const name of [
      'process_cpu_seconds_total',
      'process_resident_memory_bytes',
      'nodejs_heap_size_used_bytes',
      'nodejs_eventloop_lag_seconds',
      'nodejs_gc_duration_seconds',
    ])
      expect(text).toContain(`# TYPE ${name} `);
    // Declared always; its samples (one per handle type) only when the process holds handles.
    expect(text).toContain('# TYPE nodejs_active_handles gauge');
    expect(text).not.toMatch(/^# TYPE \w+_total gauge$/m);
  });
});
