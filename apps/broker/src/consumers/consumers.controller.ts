import { Body, Controller, Delete, Get, HttpCode, NotFoundException, Param, Post } from '@nestjs/common';
import { ApiCreatedResponse, ApiNoContentResponse, ApiNotFoundResponse, ApiOkResponse, ApiTags } from '@nestjs/swagger';
import { ConsumerRegistry, UnknownConsumerError } from './consumer-registry.service';
import { RegisterConsumerDto } from './dto/register-consumer.dto';

@ApiTags('consumers')
@Controller('consumers')
export class ConsumersController {
  constructor(private readonly consumers: ConsumerRegistry) {}

  @Post()
  @ApiCreatedResponse({ description: '{id, queues}: the consumer id and the queues it owns now' })
  async register(@Body() dto: RegisterConsumerDto) {
    const consumer = await this.consumers.register(dto.url, dto.capacity, dto.types);
    return { id: consumer.id, queues: await this.consumers.queuesOf(consumer.id) };
  }

  @Post(':id/heartbeat')
  @HttpCode(200)
  @ApiOkResponse({ description: '{id, queues}: the queues it owns now' })
  @ApiNotFoundResponse({ description: 'Unknown or dropped consumer: register again' })
  async heartbeat(@Param('id') id: string) {
    await this.mapErrors(() => this.consumers.heartbeat(id));
    return { id, queues: await this.consumers.queuesOf(id) };
  }

  @Delete(':id')
  @HttpCode(204)
  @ApiNoContentResponse({ description: 'Deregistered; its queues go to the others' })
  @ApiNotFoundResponse()
  async remove(@Param('id') id: string): Promise<void> {
    await this.mapErrors(() => this.consumers.remove(id));
  }

  @Get()
  @ApiOkResponse({ description: 'Live consumers with the queues each owns' })
  async list() {
    const live = await this.consumers.liveConsumers();
    const assignment = await this.consumers.assignment();
    return live.map((consumer) => ({
      ...consumer,
      last_heartbeat: new Date(consumer.last_heartbeat).toISOString(),
      queues: [...assignment].filter(([, owner]) => owner.id === consumer.id).map(([queue]) => queue),
    }));
  }

  private async mapErrors(action: () => Promise<void>): Promise<void> {
    try {
      await action();
    } catch (error) {
      if (error instanceof UnknownConsumerError) throw new NotFoundException(error.message);
      throw error;
    }
  }
}
