import type { ContentSummary } from './backup-detail.ts';

/**
 * What several files hold together (a cluster backup's shards): counts added, the largest value the largest of
 * any, the first problem found kept. The first file's version and the like stand for all.
 */
export function mergeContent(parts: readonly ContentSummary[]): ContentSummary {
  const add = (maps: Record<string, number>[]) => {
    const out: Record<string, number> = {};
    for (const map of maps) for (const [k, v] of Object.entries(map)) out[k] = (out[k] ?? 0) + v;
    return out;
  };
  const largestByType: Record<string, number> = {};
  for (const part of parts) {
    for (const [type, size] of Object.entries(part.largestValueByType)) {
      largestByType[type] = Math.max(largestByType[type] ?? 0, size);
    }
  }
  const base = parts[0]!;
  return {
    ...base,
    problem: parts.find((part) => part.problem !== null)?.problem ?? null,
    sha256Matches: parts.some((part) => part.sha256Matches === false)
      ? false
      : parts.every((part) => part.sha256Matches === true)
        ? true
        : base.sha256Matches,
    keysPerDb: add(parts.map((p) => p.keysPerDb)),
    keysPerType: add(parts.map((p) => p.keysPerType)),
    keysWithExpiry: parts.reduce((sum, p) => sum + p.keysWithExpiry, 0),
    emptyKeys: parts.reduce((sum, p) => sum + (p.emptyKeys ?? 0), 0),
    largestValueBytes: Math.max(...parts.map((p) => p.largestValueBytes)),
    largestValueByType: largestByType,
    typeCodes: [...new Set(parts.flatMap((p) => p.typeCodes))].sort((a, b) => a - b),
  };
}
