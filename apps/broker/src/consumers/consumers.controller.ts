import { ApiErrorResponse, ApiUnavailableResponse, pageOf, PageQueryDto, RequireScope, Scope } from '@app/common';
import {
  BadRequestException,
  Body,
  Controller,
  Delete,
  Get,
  Headers,
  HttpCode,
  Param,
  Post,
  Query,
} from '@nestjs/common';
import { ConfigService } from '@nestjs/config';
import { BrokerEnvironment } from '../config/environment';
import { consumerUrlProblem, parseUrlAllowList } from './consumer-url';
import {
  ApiCreatedResponse,
  ApiHeader,
  ApiNoContentResponse,
  ApiOkResponse,
  ApiOperation,
  ApiParam,
  ApiTags,
} from '@nestjs/swagger';
import { CONSUMER_SECRET_HEADER, ConsumerRegistry } from './consumer-registry.service';
import { ConsumerPageDto, ConsumerQueuesDto, RegisteredConsumerDto } from './dto/consumer.dto';
import { RegisterConsumerDto } from './dto/register-consumer.dto';

/** No consumer has it: the examples of a consumer's own calls answer 401 or 404 and change nothing. */
const CONSUMER_ID = {
  name: 'id',
  description: 'The consumer id registration returned',
  example: '9b2f4c1e-5d6a-4f7b-8c9d-0e1f2a3b4c5d',
};
const SECRET_HEADER = { name: CONSUMER_SECRET_HEADER, description: 'The secret registration returned', required: true };

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
  @ApiOperation({
    summary: 'Register a consumer',
    description:
      'The broker assigns it queues (balanced across live consumers) and pushes their tasks to its url. ' +
      'It heartbeats every HEARTBEAT_INTERVAL_MS; one that misses several is dropped and its queues go to the others.',
  })
  @ApiCreatedResponse({ type: RegisteredConsumerDto, description: 'Registered, with the queues it owns now' })
  @ApiErrorResponse(
    400,
    'A bad body, or a url with credentials, a query or a fragment, or on a host CONSUMER_URL_ALLOW does not list',
  )
  @ApiErrorResponse(409, 'MAX_CONSUMERS consumers are registered')
  @ApiUnavailableResponse()
  async register(@Body() dto: RegisterConsumerDto) {
    const problem = consumerUrlProblem(dto.url, this.urlAllow);
    if (problem) throw new BadRequestException(problem);
    const consumer = await this.consumers.register(dto.url, dto.capacity, dto.types);
    return { id: consumer.id, queues: await this.consumers.queuesOf(consumer.id), secret: consumer.secret };
  }

  @RequireScope(Scope.Consumer)
  @Post(':id/heartbeat')
  @HttpCode(200)
  @ApiOperation({
    summary: 'Heartbeat',
    description: 'Keeps the consumer live and answers the queues it owns now, which change as consumers come and go.',
  })
  @ApiParam(CONSUMER_ID)
  @ApiHeader(SECRET_HEADER)
  @ApiOkResponse({ type: ConsumerQueuesDto })
  @ApiErrorResponse(401, `No API key or an unknown one, or ${CONSUMER_SECRET_HEADER} is missing or wrong`)
  @ApiErrorResponse(404, 'Unknown or dropped consumer: register again')
  @ApiUnavailableResponse()
  async heartbeat(@Param('id') id: string, @Headers(CONSUMER_SECRET_HEADER) secret?: string) {
    await this.consumers.authenticate(id, secret);
    await this.consumers.heartbeat(id);
    return { id, queues: await this.consumers.queuesOf(id) };
  }

  @RequireScope(Scope.Consumer)
  @Delete(':id')
  @HttpCode(204)
  @ApiOperation({
    summary: 'Deregister a consumer',
    description: 'Its queues go to the other live consumers; it can still ack the deliveries it holds while it drains.',
  })
  @ApiParam(CONSUMER_ID)
  @ApiHeader(SECRET_HEADER)
  @ApiNoContentResponse({ description: 'Deregistered' })
  @ApiErrorResponse(401, `No API key or an unknown one, or ${CONSUMER_SECRET_HEADER} is missing or wrong`)
  @ApiErrorResponse(404, 'Unknown or dropped consumer')
  @ApiUnavailableResponse()
  async remove(@Param('id') id: string, @Headers(CONSUMER_SECRET_HEADER) secret?: string): Promise<void> {
    await this.consumers.authenticate(id, secret);
    await this.consumers.remove(id);
  }

  @RequireScope(Scope.Read)
  @Get()
  @ApiOperation({ summary: 'List consumers', description: 'Live consumers by id, each with the queues it owns.' })
  @ApiOkResponse({ type: ConsumerPageDto })
  @ApiUnavailableResponse()
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
}
