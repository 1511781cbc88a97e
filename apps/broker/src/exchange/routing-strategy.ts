/** How the exchange picks queues for a binding key; another strategy (topic, fanout) implements this. */
export interface RoutingStrategy {
  readonly name: string;
  /** The queues a task with this binding key goes to; none means it is unroutable. */
  route(bindingKey: string): Promise<string[]>;
}

export const ROUTING_STRATEGY = Symbol('ROUTING_STRATEGY');
