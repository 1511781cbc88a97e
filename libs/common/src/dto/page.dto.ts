import { Type } from '@nestjs/common';
import { ApiProperty, ApiSchema } from '@nestjs/swagger';
import type { Page } from './page';

/**
 * The document's model of a page of `item`s (`{items, next_cursor}`), named `<name>Page`: one
 * class per item type, since a schema cannot take a type parameter.
 */
export function PageDto<T>(item: Type<T>, name: string): Type<Page<T>> {
  @ApiSchema({ name: `${name}Page` })
  class ItemPage implements Page<T> {
    @ApiProperty({ type: [item] })
    items: T[];

    @ApiProperty({
      type: String,
      nullable: true,
      example: null,
      description: 'Pass as cursor for the next page; null on the last page',
    })
    next_cursor: string | null;
  }
  return ItemPage;
}
