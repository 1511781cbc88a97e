import { RequireScope, Scope } from '../auth';
import { Controller, Get, Header } from '@nestjs/common';
import { ApiOkResponse, ApiTags } from '@nestjs/swagger';
import { prometheusContentType } from 'prom-client';
import { MetricsRegistry } from './metrics.registry';

@ApiTags('metrics')
@Controller('metrics')
export class MetricsController {
  constructor(private readonly metrics: MetricsRegistry) {}

  @RequireScope(Scope.Read)
  @Get()
  @Header('Content-Type', prometheusContentType)
  @ApiOkResponse({ description: 'Prometheus text format' })
  render(): Promise<string> {
    return this.metrics.render();
  }
}
