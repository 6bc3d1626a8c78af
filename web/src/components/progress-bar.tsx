/** A record's progress ("42.00", as the API writes it) as an accessible bar. */
export function ProgressBar({
  progress,
  label,
  detail,
}: {
  progress: string;
  label: string;
  detail?: string;
}) {
  const value = Math.max(0, Math.min(100, Number.parseFloat(progress) || 0));
  return (
    <div class="progress">
      <div
        class="progress-track"
        role="progressbar"
        aria-label={label}
        aria-valuemin={0}
        aria-valuemax={100}
        aria-valuenow={value}
      >
        <div class="progress-fill" style={{ width: `${value}%` }} />
      </div>
      <span class="progress-text">
        {value.toFixed(0)}%{detail ? ` · ${detail}` : ''}
      </span>
    </div>
  );
}
