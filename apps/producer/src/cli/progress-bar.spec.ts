import { formatDuration, formatProgress, ProgressBar } from './progress-bar';

describe('formatProgress', () => {
  it('shows the bar, percentage, counts, rate and ETA', () => {
    expect(formatProgress({ total: 1000, done: 300, accepted: 300, elapsedMs: 1000 })).toBe(
      `[${'#'.repeat(9)}${'-'.repeat(21)}]   30.0%  300/1,000  300 tasks/s  ETA 2s`,
    );
  });

  it('has no ETA before anything is done, and 0s at the end', () => {
    expect(formatProgress({ total: 10, done: 0, accepted: 0, elapsedMs: 0 })).toMatch(/ETA --$/);
    expect(formatProgress({ total: 10, done: 10, accepted: 10, elapsedMs: 5 })).toMatch(/100\.0%.*ETA 0s$/);
  });
});

describe('formatDuration', () => {
  it('reads as seconds, minutes or hours', () => {
    expect(formatDuration(12_400)).toBe('12s');
    expect(formatDuration(65_000)).toBe('1m05s');
    expect(formatDuration(3_900_000)).toBe('1h05m');
    expect(formatDuration(NaN)).toBe('--');
  });
});

describe('ProgressBar', () => {
  const progress = (done: number) => ({ total: 100, done, accepted: done, elapsedMs: 1000 });

  function recorder(isTTY: boolean) {
    const writes: string[] = [];
    return { writes, stream: { isTTY, write: (chunk: string) => writes.push(chunk) > 0 } as never };
  }

  it('redraws in place on a terminal, at most once per interval', () => {
    let now = 0;
    const { writes, stream } = recorder(true);
    const bar = new ProgressBar(stream, 100, () => now);
    bar.update(progress(1));
    now = 50;
    bar.update(progress(2));
    now = 150;
    bar.update(progress(3));
    bar.finish();
    expect(writes).toHaveLength(4);
    expect(writes[0]).toMatch(/^\r\[.*1\/100/);
    expect(writes[0].slice(-3)).toBe('\x1b[K');
    expect(writes[1]).toContain('3/100');
    expect(writes[2]).toContain('3/100');
    expect(writes[3]).toBe('\n');
  });

  it('writes plain lines, once a second at most, when not a terminal', () => {
    let now = 0;
    const { writes, stream } = recorder(false);
    const bar = new ProgressBar(stream, 100, () => now);
    bar.update(progress(1));
    now = 500;
    bar.update(progress(2));
    now = 1000;
    bar.update(progress(3));
    expect(writes).toHaveLength(2);
    expect(writes.every((line) => !line.includes('\r') && line.endsWith('\n'))).toBe(true);
  });
});
