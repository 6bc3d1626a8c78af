import Type, { type Static } from 'typebox';
import { formatIsoUtc } from '../../core/time-format.ts';
import type { InstanceKeyspace } from '../../core/use-cases/read-keyspace.ts';
import { nullable, nullableInteger, nullableString } from './schema-kit.ts';

/** What an instance holds now, read live from its master(s); counts null and the reason said when unreadable. */
export function keyspaceToWire(
  instanceId: string,
  keyspace: InstanceKeyspace,
): Static<typeof keyspaceWireSchema> {
  return {
    instance_id: instanceId,
    key_count: keyspace.keyCount,
    databases: keyspace.databases,
    masters_read: keyspace.mastersRead,
    read_at: formatIsoUtc(keyspace.readAt),
    unavailable_reason: keyspace.problem,
  };
}

const databaseKeys = Type.Object({
  db: Type.Integer({ minimum: 0 }),
  keys: Type.Integer({ minimum: 0, description: 'DBSIZE of the database' }),
});

export const keyspaceWireSchema = Type.Object(
  {
    instance_id: Type.String({ format: 'uuid' }),
    key_count: {
      ...nullableInteger(),
      description:
        'keys in every database of the master (a cluster: summed over its masters); null when unread',
    },
    databases: {
      ...nullable(Type.Array(databaseKeys)),
      description: 'the non-empty databases, ascending; null when unread',
    },
    masters_read: Type.Integer({ minimum: 0, description: 'the masters whose keys were counted' }),
    read_at: Type.String({ format: 'date-time' }),
    unavailable_reason: {
      ...nullableString(),
      description: 'why the counts are null (unreachable, refused, timed out); never a password',
    },
  },
  { title: 'InstanceKeyspace' },
);
