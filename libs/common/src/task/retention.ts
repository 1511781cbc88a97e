const DAY_MS = 86_400_000;

/** Slack added to every stored task's TTL, so a scheduler pass that runs late still finds it. */
export const TTL_SLACK_MS = DAY_MS;

export function retentionMs(days: number): number {
  return days * DAY_MS;
}

/**
 * How long a stored task lives in Redis: until it is due, plus the retention period, plus slack.
 * A task due in 60 days with 30 days' retention lives at least 90 days; one already due, at least
 * the retention period.
 */
export function storedTaskTtlMs(scheduledMs: number, nowMs: number, retention: number): number {
  return Math.max(0, scheduledMs - nowMs) + retention + TTL_SLACK_MS;
}
