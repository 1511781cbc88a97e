import { createValidationPipe, CreateTaskDto, isValidCreateTask } from '@app/common';
import { Injectable, PipeTransform } from '@nestjs/common';

/**
 * A task body as the broker takes it. An interface, so the global ValidationPipe (which skips
 * Object metatypes) leaves the body to CreateTaskPipe, which validates it once.
 */
// eslint-disable-next-line @typescript-eslint/no-empty-object-type -- empty on purpose: see above
export interface TaskRequest extends CreateTaskDto {}

/**
 * Validates one task body: a valid one passes through the plain check as it is; anything else goes
 * to the ValidationPipe, which refuses it with every problem named.
 */
@Injectable()
export class CreateTaskPipe implements PipeTransform<unknown, Promise<CreateTaskDto>> {
  private readonly validationPipe = createValidationPipe();

  async transform(value: unknown): Promise<CreateTaskDto> {
    if (isValidCreateTask(value)) return value;
    return (await this.validationPipe.transform(value, { type: 'body', metatype: CreateTaskDto })) as CreateTaskDto;
  }
}
