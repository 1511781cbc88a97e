import { RequireScope, Scope } from '@app/common';
import { Clock } from '@app/common';
import { InjectRedis, InjectRedisKeys, RedisKeys } from '@app/redis';
import { Body, Controller, Get, Logger, Post } from '@nestjs/common';
import { ApiCreatedResponse, ApiOkResponse, ApiTags } from '@nestjs/swagger';
import type { Redis } from 'ioredis';
import { RegisterProducerDto } from './dto/register-producer.dto';

interface ProducerRecord {
  id: string;
  name: string;
  url: string | null;
  registered_time: string;
}

/** Producers announce themselves so an operator can see who is submitting; the id is the name. */
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
  @ApiCreatedResponse({ description: '{id}: registering the same name again updates it' })
  async register(@Body() dto: RegisterProducerDto): Promise<{ id: string }> {
    const record: ProducerRecord = { id: dto.name, name: dto.name, url: dto.url ?? null, registered_time: this.clock.date().toISOString() };
    await this.redis.hset(this.keys.producers, dto.name, JSON.stringify(record));
    return { id: record.id };
  }

  @RequireScope(Scope.Read)
  @Get()
  @ApiOkResponse({ description: 'Registered producers' })
  async list(): Promise<ProducerRecord[]> {
    const entries = Object.values(await this.redis.hgetall(this.keys.producers));
    return entries.flatMap((json) => {
      try {
        return [JSON.parse(json) as ProducerRecord];
      } catch {
        this.logger.error('an unreadable producer record in Redis; skipping it');
        return [];
      }
    });
  }
}
