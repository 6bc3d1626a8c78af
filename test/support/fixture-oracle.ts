import fs from 'node:fs';
import { fixturePath } from './fixtures.ts';
import type { KeyContent, ServerContent } from './logical-content.ts';

/** Each shared fixture and the oracle of its content (the pairing is by name, with a few generic names). */
export const ORACLES: [string, string][] = [
  ['hash_zm_v2.rdb', 'hash_zm_v2_data.json'],
  ['hash_v3.rdb', 'hash_data.json'],
  ['hash_zl_v6.rdb', 'hash_zl_v6_data.json'],
  ['hash_lp_v11.rdb', 'hash_lp_v11_data.json'],
  ['hash_with_expire_v12.rdb', 'hash_ex_v12_data.json'],
  ['hash_lp_with_hexpire_v12.rdb', 'hash_lp_ex_v12_data.json'],
  ['multiple_dbs.rdb', 'multiple_dbs_data.json'],
  ['multiple_lists_strings.rdb', 'multiple_lists_strings_data.json'],
  ['plain_list_v6.rdb', 'plain_list_v6_data.json'],
  ['plain_set_v6.rdb', 'plain_set_v6_data.json'],
  ['plain_zset_v6.rdb', 'plain_zset_v6_data.json'],
  ['plain_zset_2_v11.rdb', 'plain_zset_2_v11_data.json'],
  ['quicklist.rdb', 'quicklist_data.json'],
  ['quicklist2_v11.rdb', 'single_list_data.json'],
  ['set_is_v11.rdb', 'set_is_v11_data.json'],
  ['set_lp_v11.rdb', 'set_lp_v11_data.json'],
  ['set_expired_v11.rdb', 'set_expired.json'],
  ['set_not_expired_v11.rdb', 'set_not_expired.json'],
  ['single_key.rdb', 'single_key_data.json'],
  ['stream_v11.rdb', 'stream_data_with_meta.json'],
  ['string_int_encoded.rdb', 'string_int_encoded.json'],
  ['ziplist_v3.rdb', 'ziplist_data.json'],
  ['zset_lp_v11.rdb', 'zset_lp_v11_data.json'],
  ['zset_zl_v6.rdb', 'zset_zl_v6_data.json'],
  ['mem_policy_lfu.rdb', 'mem_policy_lfu.json'],
  ['mem_policy_lru.rdb', 'mem_policy_lru.json'],
  ['module.rdb', 'module_data.json'],
  ['module_aux.rdb', 'module_aux_data.json'],
  ['function2.rdb', 'function2.json'],
  ['cluster_slot_info.rdb', 'cluster_slot_info.json'],
];

/** Fixtures whose keys hold module data, which only the module itself can rebuild. */
export const MODULE_FIXTURES = new Set(['module.rdb']);

export interface Oracle {
  dbs: Record<string, unknown>[];
  aux: Record<string, string>;
  functions: string[];
  /** Whether the oracle says which database each key is in (a list of databases); else any database will do. */
  dbKnown: boolean;
}

/** The oracle files are JSON fragments ("key": value, …) or a list of databases. */
export function loadOracle(name: string): Oracle {
  let text = fs.readFileSync(fixturePath(name), 'utf8').trim();
  if (!text.startsWith('[') && !text.startsWith('{')) text = `{${text}}`;
  // A few fragments are a single object without braces of their own: {"key": {...}} after wrapping.
  const parsed = JSON.parse(text === '{}' ? '{}' : text) as
    Record<string, unknown> | Record<string, unknown>[];
  if (Array.isArray(parsed)) return { dbs: parsed, aux: {}, functions: [], dbKnown: true };
  const { __aux__, __func__, __dbsize__, __slotinfo__, ...keys } = parsed;
  void __dbsize__;
  void __slotinfo__;
  return {
    dbs: Object.keys(keys).length > 0 ? [keys] : [],
    aux: (__aux__ ?? {}) as Record<string, string>,
    functions: Object.values((__func__ ?? {}) as Record<string, string>),
    dbKnown: false,
  };
}

const score = (s: string) => (s === 'inf' ? Infinity : s === '-inf' ? -Infinity : Number(s));

/** One oracle value in the shape contentOf reads a live key in, given the type the server reports. */
function asLive(type: string, value: unknown): unknown {
  switch (type) {
    case 'set':
      return [...(value as string[])].sort();
    case 'zset':
      return Object.entries(value as Record<string, string>)
        .map(([member, s]): [string, number] => [member, score(s)])
        .sort(([ma, a], [mb, b]) => a - b || (ma < mb ? -1 : ma > mb ? 1 : 0));
    case 'hash':
      return Object.fromEntries(
        Object.entries(value as Record<string, string>).sort(([a], [b]) => (a < b ? -1 : 1)),
      );
    default:
      return value;
  }
}

/** What a live stream holds, reduced to what the oracle says of it: entries, counters, groups and pending. */
function streamAsOracle(live: Record<string, unknown>): unknown {
  const entries = (live.entries as [string, string[]][]).map(([id, fields]) => ({
    id,
    items: Object.fromEntries(fields.flatMap((f, i) => (i % 2 === 0 ? [[f, fields[i + 1]]] : []))),
  }));
  return { entries, lastID: live.lastGeneratedId, groups: live.groups };
}

function oracleStream(value: Record<string, unknown>): unknown {
  const groups = (value.groups as Record<string, unknown>[] | undefined) ?? [];
  return {
    entries: value.entries ?? value,
    lastID: value.lastID,
    groups: groups.map((g) => {
      const consumers = (g.consumers as Record<string, unknown>[]).map((c) => ({
        name: c.name,
        pending: ((c.pending as unknown[] | undefined) ?? []).length,
      }));
      const owner = new Map<string, string>();
      for (const c of g.consumers as { name: string; pending?: { id: string }[] }[]) {
        for (const p of c.pending ?? []) owner.set(p.id, c.name);
      }
      return {
        name: g.name,
        lastDeliveredId: g.lastid,
        entriesRead: g.entriesRead,
        consumers,
        pending: (g.pending as { id: string; count: number }[]).map((p) => ({
          id: p.id,
          consumer: owner.get(p.id),
          count: p.count,
        })),
      };
    }),
  };
}

/**
 * Compares a live server's content with a fixture's oracle, key by key; returns the differences (none: equal).
 * Only what the oracle states is compared: values, and the function libraries by name.
 */
export function differencesFromOracle(live: ServerContent, oracle: Oracle): string[] {
  const problems: string[] = [];
  const expected = new Map<string, unknown>();
  oracle.dbs.forEach((keys, db) => {
    for (const [key, value] of Object.entries(keys)) expected.set(`${db}/${key}`, value);
  });
  const liveKeys = new Map<string, KeyContent>();
  for (const [name, content] of live.keys) {
    liveKeys.set(oracle.dbKnown ? name : `0/${name.slice(name.indexOf('/') + 1)}`, content);
  }
  for (const name of liveKeys.keys()) if (!expected.has(name)) problems.push(`unexpected key ${name}`);
  for (const [name, value] of expected) {
    const got = liveKeys.get(name);
    if (!got) {
      problems.push(`missing key ${name}`);
      continue;
    }
    const [want, have] =
      got.type === 'stream'
        ? [
            oracleStream(value as Record<string, unknown>),
            streamAsOracle(got.value as Record<string, unknown>),
          ]
        : [asLive(got.type, value), got.value];
    if (JSON.stringify(want) !== JSON.stringify(have)) {
      problems.push(`${name}: expected ${JSON.stringify(want)}, got ${JSON.stringify(have)}`);
    }
  }
  const libraries = oracle.functions.map((code) => /name=(\S+)/.exec(code)?.[1] ?? '?').sort();
  if (JSON.stringify(libraries) !== JSON.stringify(live.functions)) {
    problems.push(`functions: expected ${libraries.join(',')}, got ${live.functions.join(',')}`);
  }
  return problems;
}
