import type { InstanceWire } from '../api/wire.ts';
import { ErrorBox } from '../components/error-box.tsx';
import { useConsole } from '../context.ts';
import { policyInWords } from '../format.ts';
import { useLoad } from '../hooks.ts';
import { BackupsTab } from './backups.tsx';
import { ChartsTab } from './charts.tsx';
import { PolicyTab } from './policy.tsx';
import { RestoresTab } from './restores.tsx';

const TABS = [
  ['backups', 'Backups'],
  ['restores', 'Restores'],
  ['policy', 'Backup policy'],
  ['charts', 'Charts'],
] as const;

export type InstanceTab = (typeof TABS)[number][0];

/** One instance: its backups, restores, policy and charts, each a tab with its own address. */
export function InstancePage({ instanceId, tab }: { instanceId: string; tab: InstanceTab }) {
  const { client, base } = useConsole();
  const instance = useLoad(() => client.get<InstanceWire>(`${base}/instances/${instanceId}`), [instanceId]);
  const current = instance.data;
  return (
    <section aria-labelledby="instance-title">
      <p>
        <a href="#/">← Instances</a>
      </p>
      <h1 id="instance-title">{current ? current.name : 'Instance'}</h1>
      <ErrorBox error={instance.error} />
      {current && (
        <p class="subtitle">
          {current.engine} {current.engine_version} · {current.cache_mode} · {current.ip}:{current.port} ·{' '}
          {policyInWords(current.instance_backup_policy?.policy)}
        </p>
      )}
      <nav class="tabs" aria-label="Instance sections">
        {TABS.map(([id, label]) => (
          <a key={id} href={`#/instances/${instanceId}/${id}`} aria-current={tab === id ? 'page' : undefined}>
            {label}
          </a>
        ))}
      </nav>
      {tab === 'backups' && <BackupsTab instanceId={instanceId} />}
      {tab === 'restores' && <RestoresTab instanceId={instanceId} />}
      {tab === 'policy' && current && <PolicyTab instance={current} onSaved={instance.reload} />}
      {tab === 'charts' && <ChartsTab instanceId={instanceId} />}
    </section>
  );
}

export function isInstanceTab(text: string | undefined): text is InstanceTab {
  return TABS.some(([id]) => id === text);
}
