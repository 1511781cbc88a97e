/**
 * A delivery id names one delivery attempt: `<queue>~<attempt>~<task id>`. Neither queue names nor
 * task ids may contain `~`, so it parses back unambiguously, and an ack for an older attempt of a
 * redelivered task is recognised as stale.
 */
export interface DeliveryRef {
  queue: string;
  attempt: number;
  taskId: string;
}

export function deliveryId(ref: DeliveryRef): string {
  return `${ref.queue}~${ref.attempt}~${ref.taskId}`;
}

export function parseDeliveryId(id: string): DeliveryRef | undefined {
  const match = /^([a-z0-9_.-]{1,64})~(\d{1,6})~([A-Za-z0-9_.:-]{1,128})$/.exec(id);
  if (!match) return undefined;
  return { queue: match[1], attempt: Number(match[2]), taskId: match[3] };
}
