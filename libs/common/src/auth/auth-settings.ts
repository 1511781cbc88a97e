import { ApiKeyRing, parseApiKeys } from './api-keys';

/** Whether an app checks keys (AUTH, default on) and the keys it accepts (API_KEYS). */
export class AuthSettings {
  constructor(
    readonly enabled: boolean,
    readonly ring: ApiKeyRing,
  ) {}

  static from(auth: string | undefined, apiKeys: string | undefined): AuthSettings {
    const enabled = auth !== 'off';
    return new AuthSettings(enabled, new ApiKeyRing(enabled && apiKeys ? parseApiKeys(apiKeys) : []));
  }
}

/**
 * The environment check of AUTH and API_KEYS, run with the rest of the environment so a missing or
 * malformed key set stops the app before anything starts. Secure by default: no keys, no start,
 * unless AUTH=off says so.
 */
export function authEnvironmentProblems(auth: string | undefined, apiKeys: string | undefined): string[] {
  if (auth === 'off') return [];
  if (!apiKeys) {
    return [
      'API_KEYS is not set: every request needs a key (entries name:scopes:secret separated by ;). ' +
        'Set AUTH=off to run without keys, never on a network.',
    ];
  }
  try {
    parseApiKeys(apiKeys);
    return [];
  } catch (error) {
    return (error as { problems?: string[] }).problems ?? [(error as Error).message];
  }
}
