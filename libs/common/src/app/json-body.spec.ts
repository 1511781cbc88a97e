import { BadJsonBodyError, jsonBodyVerifier, jsonShapeProblem } from './json-body';

const jsonDepthExceeds = (raw: Buffer, maxDepth: number) => jsonShapeProblem(raw, { maxDepth }) !== undefined;

const verify = (raw: string | Buffer) =>
  jsonBodyVerifier(32)({} as never, undefined, Buffer.isBuffer(raw) ? raw : Buffer.from(raw));

describe('JSON body checks', () => {
  it('measures nesting, ignoring brackets inside strings and escaped quotes', () => {
    expect(jsonDepthExceeds(Buffer.from('{"a":{"b":[1,2]}}'), 3)).toBe(false);
    expect(jsonDepthExceeds(Buffer.from('{"a":{"b":[[1]]}}'), 3)).toBe(true);
    expect(jsonDepthExceeds(Buffer.from('{"a":"[[[[[\\"{{{{"}'), 1)).toBe(false);
  });

  it('refuses deep bodies and invalid UTF-8, accepts ordinary ones', () => {
    expect(() => verify('{"a":'.repeat(100) + '1' + '}'.repeat(100))).toThrow(/nested deeper/);
    expect(() => verify(Buffer.from([0x7b, 0x22, 0x80, 0x22, 0x3a, 0x31, 0x7d]))).toThrow(/UTF-8/);
    expect(() => verify('{"task_name":"ünïcödé ✓","payload":{"list":[1,{"x":[]}]}}')).not.toThrow();
  });

  it('refuses prototype keys in a body, also spelt with escapes', () => {
    expect(() => verify('{"payload":{"__proto__":{"x":1}}}')).toThrow(/__proto__/);
    expect(() => verify('{"\\u005f\\u005fproto__":{"x":1}}')).toThrow(/__proto__/);
    expect(() => verify('{"a":{"constructor":{"prototype":{}}}}')).toThrow(/constructor|prototype/);
    expect(() => verify('{"text":"a constructor is fine in a value"}')).not.toThrow();
  });

  it('refuses strings and keys with an unpaired surrogate, and keeps escaped pairs', () => {
    expect(() => verify('{"task_name":"\\ud800"}')).toThrow(/unpaired UTF-16 surrogate/);
    expect(() => verify('{"payload":{"\\uDC00":1}}')).toThrow(/unpaired UTF-16 surrogate/);
    expect(() => verify('{"task_name":"\\ud83d\\ude00 \\u00e9"}')).not.toThrow();
  });

  it('refuses prototype keys anywhere, as a 400', () => {
    expect(() => verify('{"payload":{"list":[{"__proto__":{"x":1}}]}}')).toThrow(BadJsonBodyError);
    expect(() => verify('{"a":{"proto":1},"b":"\\u00e9"}')).not.toThrow();
    expect(() => verify('{"__proto__":1}')).toThrow(expect.objectContaining({ status: 400 }) as Error);
  });

  it('names the bulk item a prototype key or an unpaired surrogate is in', () => {
    expect(() => verify('[{"a":1},{"payload":{"__proto__":{}}}]')).toThrow('[1] the key "__proto__" is not allowed');
    expect(() => verify('[{"a":"ok"},{"b":1},{"task_name":"\\ud800"}]')).toThrow(
      '[2] the item holds a string with an unpaired UTF-16 surrogate',
    );
  });

  it('leaves a body that is not JSON to the parser', () => {
    expect(() => verify('{"a":"\\u00e9",}')).not.toThrow();
  });
});

describe('jsonShapeProblem', () => {
  const keys = (n: number) => `{${Array.from({ length: n }, (_, i) => `"k${i}":1`).join(',')}}`;

  it('counts keys per object and in all, not colons inside strings', () => {
    expect(jsonShapeProblem(Buffer.from(keys(3)), { maxDepth: 5, maxKeysPerObject: 3 })).toBeUndefined();
    expect(jsonShapeProblem(Buffer.from(keys(4)), { maxDepth: 5, maxKeysPerObject: 3 })).toBe(
      'an object in the body has more than 3 keys',
    );
    expect(
      jsonShapeProblem(Buffer.from('{"a":"x:y:z","b":{"c":1}}'), { maxDepth: 5, maxKeysPerObject: 2, maxKeys: 3 }),
    ).toBeUndefined();
    expect(jsonShapeProblem(Buffer.from(`[${keys(2)},${keys(2)}]`), { maxDepth: 5, maxKeys: 3 })).toBe(
      'the body has more than 3 keys in all',
    );
  });

  it('holds each item of an array body to the limits of a body of its own, naming it', () => {
    const nested = (depth: number) => '{"a":'.repeat(depth - 1) + '{}' + '}'.repeat(depth - 1);
    expect(jsonShapeProblem(Buffer.from(nested(5)), { maxDepth: 5 })).toBeUndefined();
    expect(jsonShapeProblem(Buffer.from(`[${nested(5)},${nested(5)}]`), { maxDepth: 5 })).toBeUndefined();
    expect(jsonShapeProblem(Buffer.from(`[${nested(5)},${nested(6)}]`), { maxDepth: 5 })).toBe(
      '[1] the item is nested deeper than 5 levels',
    );
    expect(jsonShapeProblem(Buffer.from(`[{"s":"[,,]"},${keys(4)}]`), { maxDepth: 5, maxKeysPerObject: 3 })).toBe(
      '[1] an object in the item has more than 3 keys',
    );
  });

  it('holds each item of an array body to maxItemBytes, counting its bytes between the separators', () => {
    const item = (bytes: number) => `"${'x'.repeat(bytes - 2)}"`;
    const limits = { maxDepth: 5, maxItemBytes: 10 };
    expect(jsonShapeProblem(Buffer.from(`[${item(10)},${item(10)}]`), limits)).toBeUndefined();
    expect(jsonShapeProblem(Buffer.from(`[${item(10)},${item(11)},${item(10)}]`), limits)).toBe(
      '[1] the item is 11 bytes, over the 10 a single request may be',
    );
    expect(jsonShapeProblem(Buffer.from(`[${item(10)},{"a":[${item(4)},${item(4)}]}]`), limits)).toBe(
      '[1] the item is 17 bytes, over the 10 a single request may be',
    );
    expect(jsonShapeProblem(Buffer.from(`{"a":${item(50)}}`), limits)).toBeUndefined();
  });

  it('refuses a 400,000-key body in one scan, quickly', () => {
    const body = Buffer.from(keys(400_000));
    // Not a timed assertion: the scan stops at the first excess, so only the prefix is read.
    expect(jsonShapeProblem(body, { maxDepth: 32, maxKeysPerObject: 10_000, maxKeys: 100_000 })).toBe(
      'an object in the body has more than 10000 keys',
    );
  });
});
