import type { IncomingMessage, ServerResponse } from 'node:http';
import type { TypeBoxTypeProvider } from '@fastify/type-provider-typebox';
import type { FastifyReply, FastifyRequest, RawServerDefault, RouteGenericInterface } from 'fastify';
import type { Static, TSchema } from 'typebox';
import type { DomainErrorCode } from '../../core/errors.ts';
import type { AppDeps } from '../app-deps.ts';
import type { BackupListingIndex } from '../backup-listing-index.ts';
import type { ListingCache } from '../listing-cache.ts';
import type { MetricsExposition } from '../observability/prometheus-metrics.ts';
import type { RawQuery } from '../wire/list-query.ts';

/**
 * Who may call an operation, decided per operation rather than by its URL:
 * - public: anyone, without credentials (it reveals no data, or carries its own proof);
 * - caller: any authenticated caller, acting for itself;
 * - read / write: a caller of the path's project (admins: any project); viewers may read only;
 * - admin: admins only;
 * - metrics: GET /metrics (not an API operation): admins, or the metrics bearer token when one is configured.
 */
export type Access = 'public' | 'caller' | 'read' | 'write' | 'admin' | 'metrics';

export type HttpMethod = 'GET' | 'POST' | 'PUT' | 'DELETE';

/** How the operation stands against DCS, for docs/api-coverage.md. */
export interface Coverage {
  /** dcs: an operation of the DCS API; extension: this service's own next to them; service: administration. */
  family: 'dcs' | 'extension' | 'service';
  /** A few words after the id in the coverage table ("create a backup"). */
  label?: string;
  /** The status cell: what is supported, in the doc's words. */
  status: string;
}

export interface OperationSchemas {
  /** Path parameters: documented, and typed for the handler; checked by hand for DCS's own codes. */
  params?: TSchema;
  /** Query parameters as documented; handlers read the raw query (repeats and aliases have DCS answers). */
  querystring?: TSchema;
  /** The body, validated before the handler runs. */
  body?: TSchema;
  /**
   * The body as documented, where it says more than what Fastify validates: a body read by hand because DCS
   * gives each field its own code (UpdateInstance: the handler gets it as it came, unknown), or a field
   * checked by hand (RestoreInstance's backup_id). Tests check the hand-written checks agree with it.
   */
  documentedBody?: TSchema;
  /** The success answers by status; null for an answer without a body (204) or a binary one. */
  responses: Readonly<Record<number, TSchema | null>>;
}

/** The schemas as Fastify's TypeBox type provider reads them (query left to the route generic). */
interface ProviderSchema<S extends OperationSchemas> {
  params: S['params'] extends TSchema ? S['params'] : undefined;
  body: S['body'] extends TSchema ? S['body'] : undefined;
  response: { [K in keyof S['responses']]: S['responses'][K] extends TSchema ? S['responses'][K] : unknown };
}

type Generic = RouteGenericInterface & { Querystring: RawQuery };

export type OperationRequest<S extends OperationSchemas> = FastifyRequest<
  Generic,
  RawServerDefault,
  IncomingMessage,
  ProviderSchema<S>,
  TypeBoxTypeProvider
>;

export type OperationReply<S extends OperationSchemas> = FastifyReply<
  Generic,
  RawServerDefault,
  IncomingMessage,
  ServerResponse,
  unknown,
  ProviderSchema<S>,
  TypeBoxTypeProvider
>;

/** What a handler may answer: the body of one of its documented success answers, or the reply it sent. */
export type OperationAnswer<S extends OperationSchemas> =
  | {
      [K in keyof S['responses']]: S['responses'][K] extends TSchema ? Static<S['responses'][K]> : never;
    }[keyof S['responses']]
  | FastifyReply;

/** What handlers get from the composition root, plus what the app builds from them. */
export type OperationDeps = AppDeps & {
  /** The base URL of download links. */
  linkBase: () => string;
  /** The OpenAPI document of the app's operations, as JSON text. */
  openApiText: () => string;
  /** What GET /metrics renders. */
  metricsExposition: MetricsExposition;
  /** Listing bodies, each served only while its instance's listing version is unchanged. */
  listingCache: ListingCache;
  /** Whole listings of instances whose listings keep missing the cache, served under the same rule. */
  backupListingIndex: BackupListingIndex;
};

/** One operation of the API, defined once: the route, the docs and the OpenAPI document are made from it. */
export interface Operation<S extends OperationSchemas = OperationSchemas> {
  /** The DCS operation id (ListBackupRecords), or this service's own in the same style. */
  id: string;
  method: HttpMethod;
  /** Fastify's form: /v2/:project_id/instances. */
  path: string;
  access: Access;
  summary: string;
  coverage: Coverage;
  schemas: S;
  /** The body may be left out (curl users send none; the SDK sends {}): absent, it is read as {}. */
  optionalBody?: boolean;
  /**
   * The body is raw bytes (application/octet-stream) streamed to the handler as request.body (a Readable),
   * never held in memory. A signed request must then sign X-Sdk-Content-Sha256, and the handler must compare
   * request.caller.bodySha256 with the bytes it kept (see streamed-body.ts).
   */
  streamedBody?: boolean;
  /** The success status when not 200. */
  successStatus?: number;
  /** The content type of a success answer that is not JSON. */
  produces?: string;
  /** The domain errors this operation answers beyond those every operation of its kind can (see operation-errors). */
  errors: readonly DomainErrorCode[];
  handle(
    request: OperationRequest<S>,
    reply: OperationReply<S>,
    deps: OperationDeps,
  ): Promise<OperationAnswer<S>>;
}

/**
 * Any operation, as the table holds them: a handler typed for its own schemas takes requests no other
 * operation's type describes, so the table only knows that it can be called with what Fastify hands it.
 */
export type AnyOperation = Omit<Operation, 'handle'> & {
  handle(request: never, reply: never, deps: OperationDeps): Promise<unknown>;
};

/** Defines an operation with its handler typed from its own schemas. */
export function defineOperation<const S extends OperationSchemas>(operation: Operation<S>): Operation<S> {
  return operation;
}
