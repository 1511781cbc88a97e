import { Task } from '@app/common';
import { HttpService } from '@nestjs/axios';
import { Injectable } from '@nestjs/common';
import { ConsumerInstance } from '../consumers/consumer-registry.service';

/** A claimed task on its way, and whether its consumer is to run it now or store it to await its time. */
export interface OutgoingTask {
  task: Task;
  deliveryId: string;
  due: boolean;
}

/** How a POST /deliveries went: taken, refused because the consumer is full (503), or failed (why). */
export type SendResult = { kind: 'sent' } | { kind: 'full' } | { kind: 'failed'; reason: string };

/** Pushes one batch to one consumer's `/deliveries`; the body is the consumer's HTTP contract (see the README). */
@Injectable()
export class DeliverySender {
  constructor(private readonly http: HttpService) {}

  async send(consumer: ConsumerInstance, queue: string, outgoing: OutgoingTask[], leaseMs: number): Promise<SendResult> {
    const deliveries = outgoing.map(({ task, deliveryId, due }) => {
      // Set in place, not copied: the claimed task is this delivery's alone, and a copy per task shows in a bulk run's GC.
      task.queue = queue;
      return { delivery_id: deliveryId, queue, task, due, lease_ms: leaseMs };
    });
    try {
      const response = await this.http.axiosRef.post(`${consumer.url}/deliveries`, { deliveries });
      if (response.status === 503) return { kind: 'full' };
      if (response.status < 200 || response.status >= 300) return { kind: 'failed', reason: `consumer ${consumer.id} answered ${response.status}` };
      return { kind: 'sent' };
    } catch (error) {
      return { kind: 'failed', reason: `consumer ${consumer.id} unreachable: ${(error as Error).message}` };
    }
  }
}
