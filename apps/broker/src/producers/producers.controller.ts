import {
  ApiErrorResponse,
  ApiUnavailableResponse,
  CallerKeyName,
  Clock,
  Page,
  pageOf,
  PageQueryDto,
  RequireScope,
  Scope,
} from '@app/common';
import { InjectRedis, InjectRedisKeys, RedisKeys } from '@app/redis';
import { Body, ConflictException, Controller, Get, Logger, Post, Query } from '@nestjs/common';
import { ApiCreatedResponse, ApiOkResponse, ApiOperation, ApiTags } from '@nestjs/swagger';
import type { Redis } from 'ioredis';
import { ProducerPageDto, RegisteredProducerDto } from './dto/producer.dto';
import { RegisterProducerDto } from './dto/register-producer.dto';

interface ProducerRecord {
  id: string;
  name: string;
  /** The name of the key it registered with ('' under AUTH=off). */
  key: string;
  url: string | null;
  registered_time: string;
}

/** A record not renewed for this long is gone; producers renew theirs every minute. */
export const PRODUCER_TTL_MS = 5 * 60_000;
/** Records kept at once: registering a new name past it is refused. */
export const MAX_PRODUCERS = 1_000;

/**
 * Producers announce themselves so an operator can see who is submitting. A record is the
 * caller's key name and the producer's name (one key cannot overwrite another's), and expires
 * unless renewed, so the list holds who submits now, not everyone who ever did.
 */
@ApiTags('producers')
@Controller('producers')
export class ProducersController {
  private readonly logger = new Logger(ProducersController.name);

  constructor(
    @InjectRedis() private readonly redis: Redis,
    @InjectRedisKeys() private readonly keys: RedisKeys,
    private readonly clock: Clock,
  ) {}

  @RequireScope(Scope.Submit)
  @Post()
  @ApiOperation({
    summary: 'Register a producer',
    description:
      'Announces who is submitting. Registering again renews the record; it expires 5 minutes after its last ' +
      "registration. The id is the caller's key name and the name, so one key cannot overwrite another's.",
  })
  @ApiCreatedResponse({ type: RegisteredProducerDto, description: 'Registered or renewed' })
  @ApiErrorResponse(409, `${MAX_PRODUCERS} producers are registered`)
  @ApiUnavailableResponse()
  async register(@Body() dto: RegisterProducerDto, @CallerKeyName() keyName: string): Promise<{ id: string }> {
    const id = keyName ? `${keyName}/${dto.name}` : dto.name;
    await this.pruneExpired();
    const [known, count] = await Promise.all([
      this.redis.zscore(this.keys.producersSeen, id),
      this.redis.zcard(this.keys.producersSeen),
    ]);
    if (known === null && count >= MAX_PRODUCERS)
      throw new ConflictException(
        `${MAX_PRODUCERS} producers are registered; records expire 5 minutes after their last registration`,
      );
    const record: ProducerRecord = {
      id,
      name: dto.name,
      key: keyName,
      url: dto.url ?? null,
      registered_time: this.clock.date().toISOString(),
    };
    await this.redis
      .multi()
      .hset(this.keys.producers, id, JSON.stringify(record))
      .zadd(this.keys.producersSeen, this.clock.now(), id)
      .exec();
    return { id };
  }

  @RequireScope(Scope.Read)
  @Get()
  @ApiOperation({
    summary: 'List producers',
    description: 'The producers registered within the last 5 minutes, by id.',
  })
  @ApiOkResponse({ type: ProducerPageDto })
  @ApiUnavailableResponse()
  async list(@Query() query: PageQueryDto): Promise<Page<ProducerRecord>> {
    await this.pruneExpired();
    const entries = Object.values(await this.redis.hgetall(this.keys.producers));
    const records = entries.flatMap((json) => {
      try {
        return [JSON.parse(json) as ProducerRecord];
      } catch {
        this.logger.error('an unreadable producer record in Redis; skipping it');
        return [];
      }
    });
    return pageOf(records, (record) => record.id, query);
  }

  /** Drops the records not renewed within PRODUCER_TTL_MS. */
  private async pruneExpired(): Promise<void> {
    const cutoff = this.clock.now() - PRODUCER_TTL_MS;
    const expired = await this.redis.zrangebyscore(this.keys.producersSeen, '-inf', `(${cutoff}`, 'LIMIT', 0, 1000);
    if (expired.length === 0) return;
    await this.redis
      .multi()
      .hdel(this.keys.producers, ...expired)
      .zrem(this.keys.producersSeen, ...expired)
      .exec();
  }
}
