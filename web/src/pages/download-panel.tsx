import { useState } from 'preact/hooks';
import type { LinksWire } from '../api/wire.ts';
import { ErrorBox } from '../components/error-box.tsx';
import { useConsole } from '../context.ts';
import { formatTime } from '../format.ts';
import { useAction } from '../hooks.ts';

const EXPIRIES = [
  [300, '5 minutes'],
  [3600, '1 hour'],
  [86_400, '24 hours'],
] as const;

/** A download link with the expiry the operator picks, copyable, with the file's SHA-256 and the expiry time. */
export function DownloadPanel({ path }: { path: string }) {
  const { client } = useConsole();
  const [expiration, setExpiration] = useState(3600);
  const [links, setLinks] = useState<LinksWire>();
  const [copied, setCopied] = useState(false);
  const action = useAction();
  const create = async () => {
    setCopied(false);
    const answer = await action.run(() => client.post<LinksWire>(`${path}/links`, { expiration }));
    if (answer) setLinks(answer);
  };
  const copy = async (text: string) => {
    await navigator.clipboard?.writeText(text).then(
      () => setCopied(true),
      () => setCopied(false),
    );
  };
  return (
    <section class="download" aria-labelledby="download-title">
      <h2 id="download-title">Download</h2>
      <div class="buttons">
        <label>
          Link valid for
          <select
            value={String(expiration)}
            onChange={(e) => setExpiration(Number((e.currentTarget as HTMLSelectElement).value))}
          >
            {EXPIRIES.map(([seconds, label]) => (
              <option key={seconds} value={String(seconds)}>
                {label}
              </option>
            ))}
          </select>
        </label>
        <button type="button" onClick={create} disabled={action.busy}>
          Create download link
        </button>
      </div>
      <ErrorBox error={action.error} />
      {links?.links.map((link) => (
        <div class="link" key={link.file_name}>
          <label>
            {link.file_name}
            <input
              readOnly
              value={link.link}
              data-testid="download-link"
              onFocus={(e) => e.currentTarget.select()}
            />
          </label>
          <div class="buttons">
            <button type="button" onClick={() => copy(link.link)}>
              Copy link
            </button>
            <a href={link.link} download={link.file_name}>
              Download
            </a>
            {copied && <span role="status">Copied</span>}
          </div>
        </div>
      ))}
      {links && (
        <p>
          SHA-256 <code>{links.sha256 ?? '—'}</code>; the link expires at {formatTime(links.expires_at)}.
        </p>
      )}
    </section>
  );
}
