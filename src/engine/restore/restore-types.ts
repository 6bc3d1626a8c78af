import type { Readable } from 'node:stream';
import type { RedisEndpoint } from '../../core/instance.ts';
import type { PipelineWindow } from './command-pipeline.ts';
import type { BackupContent, RestorePlan } from './restore-plan.ts';
import type { TargetInfo } from './target-probe.ts';

/** The stored backup file, read as often as restore needs it. */
export interface RestoreSource {
  sizeBytes: number;
  open(): Promise<Readable>;
  /** Bytes [start, end) of the file: a value too large to hold is streamed from here. */
  openRange(start: number, end: number): Promise<Readable>;
  /**
   * What a read of the file found when it was stored, with the file's SHA-256 then: the pre-flight then only
   * checks that the bytes are still those (one hash pass) instead of walking the whole structure again.
   */
  known?: { content: BackupContent; sha256: string };
}

/** Where a target reaches this process for the replication fast path. */
export interface FastPathSetting {
  advertiseHost?: string;
  bindHost?: string;
  /** How long the target may take to connect back after REPLICAOF (replication-fast-path.ts). */
  connectTimeoutMs?: number;
}

export interface RestoreOptions {
  target: RedisEndpoint;
  source: RestoreSource;
  /** The time used to leave out keys that have already expired. */
  now: () => number;
  /** Called as the file is read: bytes of the file behind us, and the stage. */
  onProgress?: (bytes: number, total: number) => void;
  /** Called once the pre-flight checks passed, just before the target is changed. */
  onStart?: (plan: RestorePlan, target: TargetInfo, content: BackupContent) => void | Promise<void>;
  /**
   * Called with each warning as it arises after onStart (a fallback from the fast path and its reason), so
   * that a restore that then fails still records it.
   */
  onWarning?: (warning: string) => void;
  signal?: AbortSignal;
  window?: PipelineWindow;
  /**
   * Try the replication fast path first (the target loads the file as a replica of this process), reaching this
   * process at advertiseHost (absent: the address the target sees this process connect from); the command writer
   * takes over when it does not apply or fails.
   */
  fastPath?: FastPathSetting;
  /** Values up to this size are held while sent; larger ones are streamed from the file. */
  captureLimit?: number;
  timeoutMs?: number;
}

export interface RestoreReport {
  target: TargetInfo;
  content: BackupContent;
  /** "replication": the target loaded the file as a replica; "commands": RESTORE and friends, pipelined. */
  method: 'replication' | 'commands';
  /** Why that method: the fast path taken, or why it was not (turned off, does not apply, failed). */
  methodReason: string;
  keysRestored: number;
  keysRelabelled: number;
  keysRewritten: number;
  keysStreamed: number;
  /** Keys already expired when restore reached them: Redis would drop them on load too. */
  keysExpired: number;
  /** Keys holding an empty collection, left out as Redis leaves them out on load. */
  keysEmpty: number;
  functionLibraries: number;
  warnings: string[];
}

/** A report of nothing written yet: the counts start at zero, the plan's warnings are the first. */
export function emptyReport(target: TargetInfo, content: BackupContent, warnings: string[]): RestoreReport {
  return {
    target,
    content,
    method: 'commands',
    methodReason: 'the replication fast path was not offered',
    keysRestored: 0,
    keysRelabelled: 0,
    keysRewritten: 0,
    keysStreamed: 0,
    keysExpired: 0,
    keysEmpty: 0,
    functionLibraries: 0,
    warnings,
  };
}

/** The backup cannot go into this target; nothing was written to it. */
export class RestoreRefused extends Error {
  override name = 'RestoreRefused';
}
