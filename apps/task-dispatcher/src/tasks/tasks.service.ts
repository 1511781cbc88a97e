import { CorruptTaskError, Page, Task, taskFromHash } from '@app/common';
import { InjectRedis, InjectRedisKeys, RedisKeys } from '@app/redis';
import { Injectable, Logger } from '@nestjs/common';
import type { Redis } from 'ioredis';
import { ListedStatus } from './dto/list-tasks-query.dto';
import { encodeCursor, nextCursor, PageCursor } from './page-cursor';

export interface TaskListing {
  status: ListedStatus;
  /** Window on the index score (ms), inclusive. */
  from: number;
  to: number;
  limit: number;
  cursor?: PageCursor;
}

/** Lists stored tasks from the scheduled and complete indexes, a page at a time. */
@Injectable()
export class TasksService {
  private readonly logger = new Logger(TasksService.name);

  constructor(
    @InjectRedis() private readonly redis: Redis,
    @InjectRedisKeys() private readonly keys: RedisKeys,
  ) {}

  async list(query: TaskListing): Promise<Page<Task>> {
    const index = query.status === 'scheduled' ? this.keys.scheduledIndex : this.keys.completeIndex;
    const start = query.cursor?.score ?? query.from;
    const offset = query.cursor?.offset ?? 0;
    // One entry more than a page says whether another page follows.
    const reply = await this.redis.zrangebyscore(
      index,
      start,
      query.to,
      'WITHSCORES',
      'LIMIT',
      offset,
      query.limit + 1,
    );
    const ids: string[] = [];
    const scores: number[] = [];
    for (let i = 0; i < reply.length; i += 2) {
      ids.push(reply[i]);
      scores.push(Number(reply[i + 1]));
    }
    const more = ids.length > query.limit;
    const pageIds = ids.slice(0, query.limit);
    return {
      items: await this.read(pageIds),
      next_cursor: more ? encodeCursor(nextCursor(scores.slice(0, query.limit), start, offset)) : null,
    };
  }

  private async read(ids: string[]): Promise<Task[]> {
    const pipeline = this.redis.pipeline();
    for (const id of ids) pipeline.hgetall(this.keys.task(id));
    const replies = (await pipeline.exec()) ?? [];
    const tasks: Task[] = [];
    for (const [error, hash] of replies) {
      if (error) throw error;
      const fields = hash as Record<string, string>;
      if (Object.keys(fields).length === 0) continue; // expired since it was indexed
      try {
        tasks.push(taskFromHash(fields));
      } catch (error) {
        if (!(error instanceof CorruptTaskError)) throw error;
        this.logger.warn(error.message);
      }
    }
    return tasks;
  }
}
