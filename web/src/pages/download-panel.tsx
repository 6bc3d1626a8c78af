import { useRef, useState } from 'preact/hooks';
import { copyText } from '../components/copy-text.ts';
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
  const action = useAction();
  const create = async () => {
    const answer = await action.run(() => client.post<LinksWire>(`${path}/links`, { expiration }));
    if (answer) setLinks(answer);
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
        // Keyed by the link itself: a new link starts with no "Copied" left over from the last one.
        <LinkRow key={link.link} fileName={link.file_name} link={link.link} />
      ))}
      {links && (
        <p>
          SHA-256 <code>{links.sha256 ?? '—'}</code>; the link expires at {formatTime(links.expires_at)}.
        </p>
      )}
    </section>
  );
}

/** One file's link: shown in a field that selects itself, with a copy button and a plain download. */
function LinkRow({ fileName, link }: { fileName: string; link: string }) {
  /** After a copy: on the clipboard, or selected for the operator to copy. */
  const [copied, setCopied] = useState<'copied' | 'selected'>();
  const field = useRef<HTMLInputElement>(null);
  return (
    <div class="link">
      <label>
        {fileName}
        <input
          ref={field}
          readOnly
          value={link}
          data-testid="download-link"
          onFocus={(e) => e.currentTarget.select()}
        />
      </label>
      <div class="buttons">
        <button
          type="button"
          onClick={async () => setCopied((await copyText(link, field.current)) ? 'copied' : 'selected')}
        >
          Copy link
        </button>
        <a href={link} download={fileName}>
          Download
        </a>
        {copied && (
          <span role="status">{copied === 'copied' ? 'Copied' : 'Selected: press Ctrl+C to copy'}</span>
        )}
      </div>
    </div>
  );
}
