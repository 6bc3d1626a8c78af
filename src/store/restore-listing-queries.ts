import type { Kysely, Selectable } from 'kysely';
import type { RestoreQuery } from '../core/ports.ts';
import { CompiledShapes } from './compiled-shapes.ts';
import type { Database, RestoresTable } from './schema.ts';

/**
 * ListRestoreRecords' statements, compiled once per shape (which ends of the window are set). The page
 * carries the matching count as an uncorrelated subquery: one statement per page, as for the backups.
 */
export class RestoreListingQueries {
  readonly pageWithCount: CompiledShapes<
    RestoreQuery,
    Selectable<RestoresTable> & { total: number | string }
  >;
  /** For an empty page (past the end, or nothing matches), which carries no total. */
  readonly count: CompiledShapes<RestoreQuery, { n: number | string }>;

  constructor(db: Kysely<Database>) {
    this.pageWithCount = new CompiledShapes(db, {
      shape: windowShape,
      build: (query) =>
        matching(db, query)
          .selectAll()
          .select(() =>
            matching(db, query)
              .select((eb) => eb.fn.countAll().as('n'))
              .as('total'),
          )
          .orderBy('created_at', 'desc')
          .orderBy('id', 'desc')
          .limit(query.limit)
          .offset(query.offset),
      parameters: (query) => [...windowValues(query), ...windowValues(query), query.limit, query.offset],
    });
    this.count = new CompiledShapes(db, {
      shape: windowShape,
      build: (query) => matching(db, query).select((eb) => eb.fn.countAll<number>().as('n')),
      parameters: windowValues,
    });
  }
}

function matching(db: Kysely<Database>, query: RestoreQuery) {
  let q = db.selectFrom('restores').where('instance_id', '=', query.instanceId);
  if (query.createdFrom !== undefined) q = q.where('created_at', '>=', query.createdFrom);
  if (query.createdBefore !== undefined) q = q.where('created_at', '<', query.createdBefore);
  return q;
}

function windowShape(query: RestoreQuery): string {
  return `${query.createdFrom === undefined ? '-' : 'from'} ${query.createdBefore === undefined ? '-' : 'before'}`;
}

/** The values `matching` binds, in its order. */
function windowValues(query: RestoreQuery): unknown[] {
  const values: unknown[] = [query.instanceId];
  if (query.createdFrom !== undefined) values.push(query.createdFrom);
  if (query.createdBefore !== undefined) values.push(query.createdBefore);
  return values;
}
