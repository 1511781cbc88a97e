import { ApiUnavailableResponse } from '../app/api-responses';
import { RequireScope, Scope } from '../auth';
import { Controller, Get, Header } from '@nestjs/common';
import { ApiOkResponse, ApiOperation, ApiTags } from '@nestjs/swagger';
import { prometheusContentType } from 'prom-client';
import { MetricsRegistry } from './metrics.registry';

@ApiTags('metrics')
@Controller('metrics')
export class MetricsController {
  constructor(private readonly metrics: MetricsRegistry) {}

  @RequireScope(Scope.Read)
  @Get()
  @Header('Content-Type', prometheusContentType)
  @ApiOperation({
    summary: 'Prometheus metrics',
    description: "This app's metrics in the Prometheus text exposition format, for a scraper.",
  })
  @ApiOkResponse({
    description: 'Prometheus text format',
    content: {
      'text/plain': {
        schema: {
          type: 'string',
          example: '# TYPE process_cpu_seconds_total counter\nprocess_cpu_seconds_total 0.42\n',
        },
      },
    },
  })
  // The broker's queue gauges read Redis at each scrape.
  @ApiUnavailableResponse()
  render(): Promise<string> {
    return this.metrics.render();
  }
}
