import type { PolicyWire } from './api/wire.ts';

const WEEKDAYS = ['Mon', 'Tue', 'Wed', 'Thu', 'Fri', 'Sat', 'Sun'];
export const WEEKDAY_NAMES = WEEKDAYS;

/** "Mon, Wed 02:00–03:00 UTC, kept 7 days", the policy as an operator reads it. */
export function policyInWords(policy: PolicyWire | undefined | null): string {
  if (!policy || policy.backup_type !== 'auto' || !policy.periodical_backup_plan) {
    return 'No automatic backups';
  }
  const plan = policy.periodical_backup_plan;
  const days = [...plan.backup_at]
    .sort((a, b) => a - b)
    .map((d) => WEEKDAYS[d - 1] ?? `day ${d}`)
    .join(', ');
  const window = plan.begin_at.replace('-', '–');
  const kept =
    policy.save_days === null ? '' : `, kept ${policy.save_days} day${policy.save_days === 1 ? '' : 's'}`;
  return `${days} ${window} UTC${kept}`;
}

export function formatBytes(bytes: number): string {
  const units = ['B', 'KiB', 'MiB', 'GiB', 'TiB'];
  let value = bytes;
  let unit = 0;
  while (value >= 1024 && unit < units.length - 1) {
    value /= 1024;
    unit++;
  }
  return `${unit === 0 ? value : value.toFixed(1)} ${units[unit]}`;
}

/** The API's ISO-like UTC time ("2026-12-02T16:19:09Z") for people: "2026-12-02 16:19:09 UTC". */
export function formatTime(iso: string | null | undefined): string {
  if (!iso) return '—';
  const ms = Date.parse(iso);
  if (Number.isNaN(ms)) return iso;
  return `${new Date(ms).toISOString().slice(0, 19).replace('T', ' ')} UTC`;
}

export function formatDuration(ms: number | null | undefined): string {
  if (ms === null || ms === undefined) return '—';
  if (ms < 1000) return `${ms} ms`;
  const s = Math.round(ms / 1000);
  if (s < 60) return `${s} s`;
  const m = Math.floor(s / 60);
  return m < 60 ? `${m} min ${s % 60} s` : `${Math.floor(m / 60)} h ${m % 60} min`;
}

/** A datetime-local input's value, read as UTC, in the listing's yyyyMMddHHmmss; empty stays empty. */
export function compactUtcFromInput(value: string): string {
  const m = /^(\d{4})-(\d{2})-(\d{2})T(\d{2}):(\d{2})(?::(\d{2}))?/.exec(value);
  return m ? `${m[1]}${m[2]}${m[3]}${m[4]}${m[5]}${m[6] ?? '00'}` : '';
}

/** Transfer rate and time left of a running backup, from what its detail reports. */
export function rateAndEta(
  bytesReceived: number,
  estimatedBytes: number | null,
  startedAt: string | null,
  nowMs: number,
): { rate: string; eta: string } {
  const started = startedAt ? Date.parse(startedAt) : NaN;
  const elapsedS = (nowMs - started) / 1000;
  if (!(elapsedS > 0) || bytesReceived === 0) return { rate: '—', eta: '—' };
  const perSecond = bytesReceived / elapsedS;
  const left =
    estimatedBytes !== null && estimatedBytes > bytesReceived ? estimatedBytes - bytesReceived : null;
  return {
    rate: `${formatBytes(Math.round(perSecond))}/s`,
    eta: left === null ? '—' : formatDuration(Math.round((left / perSecond) * 1000)),
  };
}
