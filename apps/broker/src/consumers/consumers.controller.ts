import { pageOf, PageQueryDto, RequireScope, Scope } from '@app/common';
import {
  BadRequestException,
  Body,
  ConflictException,
  Controller,
  Delete,
  Get,
  Headers,
  HttpCode,
  NotFoundException,
  Param,
  Post,
  Query,
  UnauthorizedException,
} from '@nestjs/common';
import { ConfigService } from '@nestjs/config';
import { BrokerEnvironment } from '../config/environment';
import { consumerUrlProblem, parseUrlAllowList } from './consumer-url';
import {
  ApiBadRequestResponse,
  ApiConflictResponse,
  ApiCreatedResponse,
  ApiHeader,
  ApiNoContentResponse,
  ApiNotFoundResponse,
  ApiOkResponse,
  ApiTags,
  ApiUnauthorizedResponse,
} from '@nestjs/swagger';
import {
  CONSUMER_SECRET_HEADER,
  ConsumerRegistry,
  ConsumerSecretError,
  TooManyConsumersError,
  UnknownConsumerError,
} from './consumer-registry.service';
import { RegisterConsumerDto } from './dto/register-consumer.dto';

@ApiTags('consumers')
@Controller('consumers')
export class ConsumersController {
  private readonly urlAllow;

  constructor(
    private readonly consumers: ConsumerRegistry,
    config: ConfigService<BrokerEnvironment, true>,
  ) {
    this.urlAllow = parseUrlAllowList(config.get('CONSUMER_URL_ALLOW'));
  }

  @RequireScope(Scope.Consumer)
  @Post()
  @ApiCreatedResponse({
    description: `{id, queues, secret}: the consumer id, the queues it owns now, and the secret its heartbeats, leases, acks and deregistration carry in ${CONSUMER_SECRET_HEADER}`,
  })
  @ApiConflictResponse({ description: 'MAX_CONSUMERS consumers are registered' })
  @ApiBadRequestResponse({
    description:
      'A bad body, or a url with credentials, a query or a fragment, or on a host CONSUMER_URL_ALLOW does not list',
  })
  async register(@Body() dto: RegisterConsumerDto) {
    const problem = consumerUrlProblem(dto.url, this.urlAllow);
    if (problem) throw new BadRequestException({ statusCode: 400, error: 'Bad Request', message: [problem] });
    const consumer = await this.consumers.register(dto.url, dto.capacity, dto.types).catch((error: Error) => {
      throw error instanceof TooManyConsumersError ? new ConflictException(error.message) : error;
    });
    return { id: consumer.id, queues: await this.consumers.queuesOf(consumer.id), secret: consumer.secret };
  }

  @RequireScope(Scope.Consumer)
  @Post(':id/heartbeat')
  @HttpCode(200)
  @ApiOkResponse({ description: '{id, queues}: the queues it owns now' })
  @ApiNotFoundResponse({ description: 'Unknown or dropped consumer: register again' })
  @ApiUnauthorizedResponse({ description: `${CONSUMER_SECRET_HEADER} is missing or wrong` })
  @ApiHeader({ name: CONSUMER_SECRET_HEADER, description: 'The secret registration returned', required: true })
  async heartbeat(@Param('id') id: string, @Headers(CONSUMER_SECRET_HEADER) secret?: string) {
    await this.mapErrors(async () => {
      await this.consumers.authenticate(id, secret);
      await this.consumers.heartbeat(id);
    });
    return { id, queues: await this.consumers.queuesOf(id) };
  }

  @RequireScope(Scope.Consumer)
  @Delete(':id')
  @HttpCode(204)
  @ApiNoContentResponse({ description: 'Deregistered; its queues go to the others' })
  @ApiNotFoundResponse()
  @ApiUnauthorizedResponse({ description: `${CONSUMER_SECRET_HEADER} is missing or wrong` })
  @ApiHeader({ name: CONSUMER_SECRET_HEADER, description: 'The secret registration returned', required: true })
  async remove(@Param('id') id: string, @Headers(CONSUMER_SECRET_HEADER) secret?: string): Promise<void> {
    await this.mapErrors(async () => {
      await this.consumers.authenticate(id, secret);
      await this.consumers.remove(id);
    });
  }

  @RequireScope(Scope.Read)
  @Get()
  @ApiOkResponse({
    description: '{items, next_cursor}: live consumers by id (registration order), with the queues each owns',
  })
  async list(@Query() query: PageQueryDto) {
    const page = pageOf(await this.consumers.liveConsumers(), (consumer) => consumer.id, query);
    const assignment = await this.consumers.assignment();
    return {
      items: page.items.map((consumer) => ({
        ...consumer,
        last_heartbeat: new Date(consumer.last_heartbeat).toISOString(),
        queues: [...assignment].filter(([, owner]) => owner.id === consumer.id).map(([queue]) => queue),
      })),
      next_cursor: page.next_cursor,
    };
  }

  private async mapErrors(action: () => Promise<void>): Promise<void> {
    try {
      await action();
    } catch (error) {
      if (error instanceof UnknownConsumerError) throw new NotFoundException(error.message);
      if (error instanceof ConsumerSecretError) throw new UnauthorizedException(error.message);
      throw error;
    }
  }
}
