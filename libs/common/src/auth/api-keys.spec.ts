import { ApiKeyRing, InvalidApiKeysError, parseApiKeys, Scope } from './api-keys';

const secret = (c: string) => c.repeat(32);

describe('parseApiKeys', () => {
  it('reads name:scopes:secret entries separated by ;', () => {
    const keys = parseApiKeys(`ops:admin+read:${secret('a')}; app:submit:${secret('b')};`);
    expect(keys.map((k) => [k.name, [...k.scopes]])).toEqual([
      ['ops', [Scope.Admin, Scope.Read]],
      ['app', [Scope.Submit]],
    ]);
  });

  it.each([
    ['ops:admin', 'must be name:scopes:secret'],
    [`ops:root:${secret('a')}`, 'unknown scope "root"'],
    [`ops::${secret('a')}`, 'unknown scope'],
    ['ops:admin:short', 'the secret must be 32..256 characters'],
    [`ops:admin:${'a'.repeat(31)}`, 'the secret must be 32..256 characters'],
    [`ops:admin:${secret('a').slice(0, 31)}!`, 'the secret must be 32..256 characters'],
    [`o p:admin:${secret('a')}`, 'the name must be'],
    [`ops:admin:${secret('a')};ops:read:${secret('b')}`, 'the name ops is used twice'],
    [`ops:admin:${secret('a')};app:read:${secret('a')}`, "the secret is another key's too"],
    ['', 'API_KEYS holds no key'],
  ])('refuses %j: %s', (spec, problem) => {
    expect(() => parseApiKeys(spec)).toThrow(InvalidApiKeysError);
    expect(() => parseApiKeys(spec)).toThrow(problem);
  });

  it('never puts a secret in its messages', () => {
    const leaked = `${'z'.repeat(31)}!`;
    try {
      parseApiKeys(`ops:admin:${leaked}`);
    } catch (error) {
      expect((error as Error).message).not.toContain(leaked);
    }
  });
});

describe('ApiKeyRing', () => {
  const ring = new ApiKeyRing(parseApiKeys(`ops:admin:${secret('a')};app:submit:${secret('b')}`));

  it('finds the key a secret belongs to, and none for another', () => {
    expect(ring.find(secret('a'))?.name).toBe('ops');
    expect(ring.find(secret('b'))?.name).toBe('app');
    expect(ring.find(secret('c'))).toBeUndefined();
    expect(ring.find(`${secret('a')}x`)).toBeUndefined();
  });
});
