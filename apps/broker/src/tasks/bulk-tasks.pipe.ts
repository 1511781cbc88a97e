import { CreateTaskDto, isValidCreateTask, MAX_REPORTED_ERRORS } from '@app/common';
import { BadRequestException, Injectable, PipeTransform } from '@nestjs/common';
import { CreateTaskPipe } from './create-task.pipe';

export const MAX_BULK_TASKS = 1000;

/**
 * Validates a bulk body: an array of 1..1000 tasks, each validated exactly like a single task,
 * every error prefixed with its item's index so one bad item can be found and fixed.
 */
@Injectable()
export class BulkTasksPipe implements PipeTransform<unknown, Promise<CreateTaskDto[]>> {
  private readonly itemPipe = new CreateTaskPipe();

  async transform(value: unknown): Promise<CreateTaskDto[]> {
    if (!Array.isArray(value)) throw new BadRequestException('the body must be a JSON array of tasks');
    if (value.length === 0) throw new BadRequestException('the bulk body must hold at least one task');
    if (value.length > MAX_BULK_TASKS)
      throw new BadRequestException(`at most ${MAX_BULK_TASKS} tasks per bulk request, got ${value.length}`);
    // The usual case in one synchronous pass; only a body with a bad item goes item by item for the messages.
    if (value.every(isValidCreateTask)) return value;
    const problems: string[] = [];
    const dtos: CreateTaskDto[] = [];
    for (const [index, item] of value.entries()) {
      try {
        dtos.push(await this.itemPipe.transform(item));
      } catch (error) {
        if (!(error instanceof BadRequestException)) throw error;
        const message = (error.getResponse() as { message: string | string[] }).message;
        problems.push(...[message].flat().map((m) => `[${index}] ${m}`));
        if (problems.length >= MAX_REPORTED_ERRORS) break;
      }
    }
    if (problems.length) throw new BadRequestException({ message: problems.slice(0, MAX_REPORTED_ERRORS) });
    return dtos;
  }
}
