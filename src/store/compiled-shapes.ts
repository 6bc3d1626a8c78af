import type { CompiledQuery, Kysely } from 'kysely';
import type { Database } from './schema.ts';

/**
 * The listings' shapes are few (which filters are set, lists of at most a handful of distinct values); the cap
 * only keeps a caller passing ever longer lists from growing the map without end.
 */
const MAX_SHAPES = 1024;

/** How one family of queries is built, named and bound; see CompiledShapes. */
export interface ShapeFamily<Q> {
  /** The same text for every query whose SQL is the same (which filters are set, how many values each has). */
  shape(query: Q): string;
  /** Builds the query with Kysely; only called the first time a shape is met. */
  build(query: Q): { compile(): CompiledQuery };
  /** The query's bound values, in the order the built SQL takes them. */
  parameters(query: Q): readonly unknown[];
}

/**
 * Runs a family of queries compiled once per shape. Kysely building and compiling a query cost about what
 * SQLite running a small indexed one does, and a listing's SQL depends only on which filters are set, not on
 * their values. The first query of a shape checks that `parameters` gives what Kysely bound, so a builder and
 * its parameter list cannot drift apart silently.
 */
export class CompiledShapes<Q, R> {
  readonly #db: Kysely<Database>;
  readonly #family: ShapeFamily<Q>;
  readonly #compiled = new Map<string, CompiledQuery>();

  constructor(db: Kysely<Database>, family: ShapeFamily<Q>) {
    this.#db = db;
    this.#family = family;
  }

  async rows(query: Q): Promise<R[]> {
    const shape = this.#family.shape(query);
    const parameters = this.#family.parameters(query);
    let compiled = this.#compiled.get(shape);
    if (compiled === undefined) {
      compiled = this.#family.build(query).compile();
      if (!sameValues(compiled.parameters, parameters)) {
        throw new Error(`the parameters of listing shape ${shape} do not match its compiled query`);
      }
      if (this.#compiled.size < MAX_SHAPES) this.#compiled.set(shape, compiled);
    }
    const result = await this.#db.executeQuery<R>({ ...compiled, parameters } as CompiledQuery<R>);
    return result.rows;
  }
}

function sameValues(a: readonly unknown[], b: readonly unknown[]): boolean {
  return a.length === b.length && a.every((value, i) => value === b[i]);
}
