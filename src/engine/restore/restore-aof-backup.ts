import { restoreAof } from './restore-aof.ts';
import { expectedFromContent } from './restore-confirm.ts';
import type { BackupContent, RestorePlan } from './restore-plan.ts';
import type { RestoreOptions, RestoreReport } from './restore-types.ts';

/**
 * RestoreInstance of an AOF backup, with the same options and report as an RDB restore so the restore job runs
 * either the same way: the keys go in as the AOF's commands (every type "rewrite"), and the count recorded for
 * the backup is what the confirm phase expects. The replication fast path does not apply (the file is no RDB).
 */
export async function restoreAofBackup(options: RestoreOptions): Promise<RestoreReport> {
  const known = options.source.known;
  const content: BackupContent = known?.content ?? {
    magic: null,
    rdbVersion: null,
    typeCodes: [],
    keysPerDb: {},
    keysWithExpiry: 0,
    largestValueBytes: 0,
    largestValueByType: {},
    usedMemory: null,
    functions: 0,
    modules: [],
    problem: null,
  };
  const expected = known ? expectedFromContent(known.content) : undefined;
  const plan: RestorePlan = {
    footerVersion: 0,
    routes: new Map(content.typeCodes.map((type) => [type, 'rewrite'])),
    problems: [],
    warnings: [],
  };
  const report = await restoreAof({
    target: options.target,
    source: options.source,
    ...(known ? { sha256: known.sha256 } : {}),
    ...(expected ? { expected } : {}),
    ...(options.onProgress ? { onProgress: options.onProgress } : {}),
    onStart: (target) => options.onStart?.(plan, target, content),
    ...(options.signal ? { signal: options.signal } : {}),
    ...(options.window ? { window: options.window } : {}),
    ...(options.timeoutMs !== undefined ? { timeoutMs: options.timeoutMs } : {}),
  });
  for (const warning of report.warnings) options.onWarning?.(warning);
  return {
    target: report.target,
    content,
    method: 'commands',
    methodReason: 'an AOF backup is replayed as its commands',
    keysRestored: 0,
    keysRelabelled: 0,
    keysRewritten: expected?.keys ?? 0,
    keysStreamed: 0,
    keysExpired: 0,
    keysEmpty: content.emptyKeys ?? 0,
    functionLibraries: report.functionLibraries,
    warnings: report.warnings,
  };
}
