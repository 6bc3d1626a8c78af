import { useState } from 'preact/hooks';
import type { ApiError } from '../api/api-error.ts';
import type { InstanceWire } from '../api/wire.ts';
import { ErrorBox } from '../components/error-box.tsx';
import { useConsole } from '../context.ts';
import { policyInWords, WEEKDAY_NAMES } from '../format.ts';
import { useAction } from '../hooks.ts';

type Field = 'backup_type' | 'save_days' | 'weekdays' | 'window';

/** The API's refusals of a policy, each at the field it concerns (DCS.4072–4076). */
const FIELD_OF_CODE: Record<string, Field> = {
  'DCS.4072': 'save_days',
  'DCS.4073': 'backup_type',
  'DCS.4075': 'weekdays',
  'DCS.4076': 'window',
};

/**
 * The backup policy editor. It checks nothing the API checks: what the operator types is sent as it is, and
 * the API's answer is shown where it belongs, so the console can never disagree with the service.
 */
export function PolicyTab({ instance, onSaved }: { instance: InstanceWire; onSaved: () => void }) {
  const { client, base, canWrite } = useConsole();
  const current = instance.instance_backup_policy?.policy;
  const plan = current?.periodical_backup_plan;
  const [days, setDays] = useState<number[]>(plan?.backup_at ?? [1]);
  const [backupType, setBackupType] = useState<string>(current?.backup_type ?? 'auto');
  const [windowText, setWindowText] = useState(plan?.begin_at ?? '02:00-03:00');
  const [saveDays, setSaveDays] = useState(String(current?.save_days ?? 7));
  const [saved, setSaved] = useState(false);
  const action = useAction();
  const field = action.error ? FIELD_OF_CODE[action.error.code] : undefined;
  const errorAt = (name: Field) => (field === name ? action.error : undefined);

  const submit = async (event: Event) => {
    event.preventDefault();
    setSaved(false);
    const body = {
      instance_backup_policy: {
        backup_type: backupType,
        ...(saveDays === '' ? {} : { save_days: Number(saveDays) }),
        periodical_backup_plan: {
          backup_at: [...days].sort((a, b) => a - b),
          period_type: 'weekly',
          begin_at: windowText,
        },
      },
    };
    const done = await action.run(async () => {
      await client.put(`${base}/instances/${instance.instance_id}`, body);
      return true;
    });
    if (done) {
      setSaved(true);
      onSaved();
    }
  };

  const toggle = (day: number) =>
    setDays(days.includes(day) ? days.filter((d) => d !== day) : [...days, day]);

  return (
    <form class="policy" onSubmit={submit} aria-labelledby="policy-title" noValidate>
      <h2 id="policy-title">Backup policy</h2>
      <p>Now: {policyInWords(current)}</p>
      <fieldset disabled={!canWrite}>
        <label>
          Backup type
          <select
            name="backup_type"
            value={backupType}
            onChange={(e) => setBackupType((e.currentTarget as HTMLSelectElement).value)}
            aria-invalid={field === 'backup_type'}
            aria-describedby="backup_type-error"
          >
            <option value="auto">auto (scheduled)</option>
            <option value="manual">manual (no schedule)</option>
          </select>
        </label>
        <FieldError error={errorAt('backup_type')} id="backup_type-error" />
        <fieldset class="weekdays" aria-invalid={field === 'weekdays'} aria-describedby="weekdays-error">
          <legend>Weekdays</legend>
          {WEEKDAY_NAMES.map((name, index) => (
            <label key={name} class="inline">
              <input type="checkbox" checked={days.includes(index + 1)} onChange={() => toggle(index + 1)} />
              {name}
            </label>
          ))}
        </fieldset>
        <FieldError error={errorAt('weekdays')} id="weekdays-error" />
        <label>
          Window (UTC, one hour on the hour, e.g. 02:00-03:00)
          <input
            name="window"
            value={windowText}
            onInput={(e) => setWindowText((e.currentTarget as HTMLInputElement).value)}
            spellcheck={false}
            aria-invalid={field === 'window'}
            aria-describedby="window-error"
          />
        </label>
        <FieldError error={errorAt('window')} id="window-error" />
        <label>
          Keep automatic backups for (days)
          <input
            name="save_days"
            type="number"
            value={saveDays}
            onInput={(e) => setSaveDays((e.currentTarget as HTMLInputElement).value)}
            aria-invalid={field === 'save_days'}
            aria-describedby="save_days-error"
          />
        </label>
        <FieldError error={errorAt('save_days')} id="save_days-error" />
        {action.error && !field && <ErrorBox error={action.error} />}
        <button type="submit" class="primary" disabled={action.busy}>
          Save policy
        </button>
        {saved && <span role="status"> Saved.</span>}
      </fieldset>
    </form>
  );
}

function FieldError({ error, id }: { error: ApiError | undefined; id: string }) {
  return <div id={id}>{error && <ErrorBox error={error} />}</div>;
}
