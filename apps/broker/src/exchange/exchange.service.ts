import { DomainError, RefusalKind } from '@app/common';
import { Inject, Injectable } from '@nestjs/common';
import { ROUTING_STRATEGY, RoutingStrategy } from './routing-strategy';

export class UnroutableError extends DomainError {
  readonly kind = RefusalKind.Unprocessable;
  constructor(
    readonly bindingKey: string,
    readonly index?: number,
  ) {
    super(`no queue is bound to binding_key "${bindingKey}"${index === undefined ? '' : ` (item ${index})`}`);
  }
}

/**
 * Routes each task by its binding key through the configured strategy. Every task goes to exactly
 * one queue: the direct strategy guarantees it; a fan-out strategy would copy the task per queue.
 */
@Injectable()
export class ExchangeService {
  constructor(@Inject(ROUTING_STRATEGY) private readonly strategy: RoutingStrategy) {}

  /** The queue of each binding key, in order; throws UnroutableError naming the first unbound one. */
  async routeAll(bindingKeys: string[]): Promise<string[]> {
    const cache = new Map<string, string>();
    const queues: string[] = [];
    for (const [index, key] of bindingKeys.entries()) {
      let queue = cache.get(key);
      if (!queue) {
        [queue] = await this.strategy.route(key);
        if (!queue) throw new UnroutableError(key, bindingKeys.length > 1 ? index : undefined);
        cache.set(key, queue);
      }
      queues.push(queue);
    }
    return queues;
  }
}
