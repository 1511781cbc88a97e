import { ApiPropertyOptional } from '@nestjs/swagger';
import { Type } from 'class-transformer';
import { IsInt, IsOptional, IsString, Matches, Max, Min } from 'class-validator';

export const MAX_PAGE = 1000;

/** ?limit=&cursor= of a list endpoint. */
export class PageQueryDto {
  @ApiPropertyOptional({ type: 'integer', minimum: 1, maximum: MAX_PAGE, default: 100, description: 'Items per page' })
  @IsOptional()
  @Type(() => Number)
  @IsInt()
  @Min(1)
  @Max(MAX_PAGE)
  limit?: number;

  @ApiPropertyOptional({ description: 'The next_cursor of the previous page' })
  @IsOptional()
  @IsString()
  @Matches(/^[A-Za-z0-9_-]{1,300}$/, { message: 'cursor must be a next_cursor this endpoint returned' })
  cursor?: string;
}

/** One page of a list: pass next_cursor back as cursor for the next; null on the last page. */
export interface Page<T> {
  items: T[];
  next_cursor: string | null;
}

/**
 * The page of `items` after `cursor`, in the order of `keyOf` (unique per item): the cursor is
 * the last key served, so an item added or removed between two calls shifts nothing.
 */
export function pageOf<T>(items: readonly T[], keyOf: (item: T) => string, query: PageQueryDto): Page<T> {
  const limit = query.limit ?? 100;
  const after = query.cursor === undefined ? undefined : Buffer.from(query.cursor, 'base64url').toString('utf8');
  const sorted = [...items].sort((a, b) => (keyOf(a) < keyOf(b) ? -1 : keyOf(a) > keyOf(b) ? 1 : 0));
  const rest = after === undefined ? sorted : sorted.filter((item) => keyOf(item) > after);
  const page = rest.slice(0, limit);
  const more = rest.length > limit;
  return { items: page, next_cursor: more ? Buffer.from(keyOf(page[page.length - 1])).toString('base64url') : null };
}
