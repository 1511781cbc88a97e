import { Injectable } from '@nestjs/common';
import { QueueRegistry } from '../queue-registry/queue-registry.service';
import { RoutingStrategy } from './routing-strategy';

/** Direct exchange: a binding key maps to exactly one queue. */
@Injectable()
export class DirectStrategy implements RoutingStrategy {
  readonly name = 'direct';

  constructor(private readonly registry: QueueRegistry) {}

  async route(bindingKey: string): Promise<string[]> {
    const queue = await this.registry.queueFor(bindingKey);
    return queue ? [queue] : [];
  }
}
