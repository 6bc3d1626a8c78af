import { useEffect, useRef } from 'preact/hooks';
import uPlot from 'uplot';
import 'uplot/dist/uPlot.min.css';
import type { BackupPageWire, BackupRecordWire } from '../api/wire.ts';
import { ErrorBox } from '../components/error-box.tsx';
import { useConsole } from '../context.ts';
import { formatTime } from '../format.ts';
import { useLoad } from '../hooks.ts';

const DAY_S = 86_400;
const seconds = (iso: string) => Math.floor(Date.parse(iso) / 1000);

/** Backup size and duration over time, and succeeded / failed backups per day, from the listing's last 1,000. */
export function ChartsTab({ instanceId }: { instanceId: string }) {
  const { client, base } = useConsole();
  const listing = useLoad(
    () => client.get<BackupPageWire>(`${base}/instances/${instanceId}/backups`, { limit: 1000 }),
    [instanceId],
  );
  const records = listing.data?.backup_record_response ?? [];
  const succeeded = records.filter((r) => r.status === 'succeed' || r.status === 'expired').reverse();
  return (
    <div class="charts">
      <ErrorBox error={listing.error} />
      {listing.data && records.length === 0 && <p>No backups to chart yet.</p>}
      {succeeded.length > 0 && (
        <>
          <Chart
            title="Backup size (MiB)"
            summary={rangeInWords(succeeded, (r) => r.size / 1048576, 'MiB')}
            data={[succeeded.map((r) => seconds(r.created_at)), succeeded.map((r) => r.size / 1048576)]}
            series={[{ label: 'size (MiB)', stroke: '#2563eb', points: { show: true } }]}
          />
          <Chart
            title="Backup duration (s), from request to end"
            summary={rangeInWords(succeeded, durationS, 's')}
            data={[succeeded.map((r) => seconds(r.created_at)), succeeded.map(durationS)]}
            series={[{ label: 'duration (s)', stroke: '#7c3aed', points: { show: true } }]}
          />
        </>
      )}
      {records.length > 0 && <PerDayChart records={records} />}
    </div>
  );
}

/**
 * What a chart shows, in words, for those who cannot see it: how many backups over which dates, and the
 * smallest and largest value.
 */
function rangeInWords(
  records: BackupRecordWire[],
  value: (record: BackupRecordWire) => number | null,
  unit: string,
): string {
  const values = records.map(value).filter((v): v is number => v !== null);
  const span = `${records.length} backup${records.length === 1 ? '' : 's'} from ${formatTime(records[0]?.created_at)} to ${formatTime(records.at(-1)?.created_at)}`;
  if (values.length === 0) return span;
  const round = (n: number) => (n < 10 ? n.toFixed(2) : n.toFixed(0));
  return `${span}; smallest ${round(Math.min(...values))} ${unit}, largest ${round(Math.max(...values))} ${unit}`;
}

function durationS(record: BackupRecordWire): number | null {
  return record.updated_at ? (Date.parse(record.updated_at) - Date.parse(record.created_at)) / 1000 : null;
}

function PerDayChart({ records }: { records: BackupRecordWire[] }) {
  const days = new Map<number, { ok: number; failed: number }>();
  for (const record of records) {
    const day = Math.floor(seconds(record.created_at) / DAY_S) * DAY_S;
    const counts = days.get(day) ?? { ok: 0, failed: 0 };
    if (record.status === 'failed') counts.failed++;
    else if (record.status === 'succeed' || record.status === 'expired' || record.status === 'deleted')
      counts.ok++;
    days.set(day, counts);
  }
  const sorted = [...days.entries()].sort(([a], [b]) => a - b);
  const bars = uPlot.paths.bars?.({ size: [0.4, 40] });
  const ok = sorted.reduce((sum, [, c]) => sum + c.ok, 0);
  const failed = sorted.reduce((sum, [, c]) => sum + c.failed, 0);
  return (
    <Chart
      title="Backups per day (UTC)"
      summary={`${sorted.length} day${sorted.length === 1 ? '' : 's'}: ${ok} succeeded, ${failed} failed`}
      data={[sorted.map(([d]) => d), sorted.map(([, c]) => c.ok), sorted.map(([, c]) => c.failed)]}
      series={[
        { label: 'succeeded', stroke: '#16a34a', fill: '#16a34a88', paths: bars },
        { label: 'failed', stroke: '#dc2626', fill: '#dc262688', paths: bars },
      ]}
    />
  );
}

function Chart({
  title,
  summary,
  data,
  series,
}: {
  title: string;
  summary: string;
  data: (number | null)[][];
  series: uPlot.Series[];
}) {
  const holder = useRef<HTMLDivElement>(null);
  useEffect(() => {
    const element = holder.current;
    if (!element) return;
    const width = Math.max(280, Math.min(element.clientWidth || 600, 960));
    const plot = new uPlot(
      { title, width, height: 220, series: [{}, ...series], axes: [{}, { size: 60 }] },
      data as uPlot.AlignedData,
      element,
    );
    return () => plot.destroy();
  }, [title, JSON.stringify(data)]);
  // A canvas says nothing to a screen reader: the figure is an image whose name is the title and the summary.
  return <figure class="chart" ref={holder} aria-label={`${title}: ${summary}`} role="img" />;
}
