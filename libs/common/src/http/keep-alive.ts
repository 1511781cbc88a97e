import { Agent as HttpAgent } from 'node:http';
import { Agent as HttpsAgent } from 'node:https';
import type { AxiosRequestConfig } from 'axios';

/**
 * Axios defaults for service-to-service calls: sockets are kept alive and reused (axios alone opens
 * one per request), every call has a timeout, and any status is returned rather than thrown so
 * callers decide what a 503 means.
 */
export function keepAliveAxiosConfig(timeoutMs: number, maxSockets = 64, bearer?: string): AxiosRequestConfig {
  return {
    // The caller's API key, on every call (BROKER_API_KEY for the broker's clients).
    headers: bearer ? { Authorization: `Bearer ${bearer}` } : {},
    timeout: timeoutMs,
    httpAgent: new HttpAgent({ keepAlive: true, maxSockets }),
    httpsAgent: new HttpsAgent({ keepAlive: true, maxSockets }),
    validateStatus: () => true,
    maxRedirects: 0,
  };
}
