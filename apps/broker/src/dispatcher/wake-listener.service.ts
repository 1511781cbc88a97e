import { duplicateClient, InjectRedis, InjectRedisKeys, RedisKeys } from '@app/redis';
import { Injectable, OnApplicationBootstrap, OnModuleDestroy } from '@nestjs/common';
import type { Redis } from 'ioredis';
import { QueueRegistry } from '../queue-registry/queue-registry.service';
import { QueueWakers } from './queue-wakers';

/**
 * Wakes a queue's dispatch loop when the task-dispatcher releases due tasks into it: the scheduler's
 * script publishes the queue's name on the wake channel. Pub/sub may drop a message (a reconnect),
 * which costs at most DISPATCH_IDLE_MS; only names of declared queues are acted on.
 */
@Injectable()
export class WakeListener implements OnApplicationBootstrap, OnModuleDestroy {
  private subscriber?: Redis;

  constructor(
    @InjectRedis() private readonly redis: Redis,
    @InjectRedisKeys() private readonly keys: RedisKeys,
    private readonly queues: QueueRegistry,
    private readonly wakers: QueueWakers,
  ) {}

  async onApplicationBootstrap(): Promise<void> {
    // Its errors are the main client's too, which reports an outage once; this one only at debug.
    this.subscriber = duplicateClient(this.redis);
    this.subscriber.on('message', (_channel: string, queue: string) => {
      if (this.queues.list().some((q) => q.name === queue)) this.wakers.notify(queue);
    });
    await this.subscriber.subscribe(this.keys.wakeChannel);
  }

  async onModuleDestroy(): Promise<void> {
    await this.subscriber?.quit().catch(() => undefined);
  }
}
