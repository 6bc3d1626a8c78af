import type { Command } from 'commander';
import { formatTime, renderTable } from '../format.ts';
import type { ServiceClient } from '../service-client.ts';

interface CredentialWire {
  access_key: string;
  secret_key?: string;
  project_id: string | null;
  role: string;
  description: string | null;
  created_at: string;
  revoked_at: string | null;
}

export function registerCredentials(program: Command, client: () => ServiceClient): void {
  const credentials = program.command('credentials').description('AK/SK credentials and tokens');

  credentials
    .command('create')
    .description('issue an AK/SK pair (the secret key is shown this once)')
    .requiredOption('--role <role>', 'admin|operator|viewer')
    .option('--project <project_id>', 'the project an operator or viewer works in')
    .option('--description <text>', 'what it is for')
    .option('--json', 'print JSON')
    .action(async (options: { role: string; project?: string; description?: string; json?: boolean }) => {
      const created = await client().post<CredentialWire>('/admin/v1/credentials', {
        role: options.role,
        project_id: options.project ?? null,
        description: options.description ?? null,
      });
      if (options.json) {
        console.log(JSON.stringify(created, null, 2));
        return;
      }
      console.log(
        `access key: ${created.access_key}\nsecret key: ${created.secret_key}\n(the secret key is not shown again)`,
      );
    });

  credentials
    .command('list')
    .description('list credentials (never their secret keys)')
    .option('--json', 'print JSON')
    .action(async (options: { json?: boolean }) => {
      const result = await client().get<{ credentials: CredentialWire[] }>('/admin/v1/credentials');
      if (options.json) {
        console.log(JSON.stringify(result, null, 2));
        return;
      }
      const rows = result.credentials.map((c) => [
        c.access_key,
        c.role,
        c.project_id ?? '*',
        c.revoked_at ? `revoked ${formatTime(c.revoked_at)}` : 'active',
        formatTime(c.created_at),
        c.description ?? '',
      ]);
      console.log(
        renderTable(['ACCESS KEY', 'ROLE', 'PROJECT', 'STATE', 'CREATED (UTC)', 'DESCRIPTION'], rows),
      );
    });

  credentials
    .command('revoke <access_key>')
    .description('revoke a credential; its tokens stop working too')
    .action(async (accessKey: string) => {
      await client().delete(`/admin/v1/credentials/${encodeURIComponent(accessKey)}`);
      console.log(`revoked ${accessKey}`);
    });

  credentials
    .command('token')
    .description('issue an X-Auth-Token for the current credential, for curl')
    .option('--ttl <seconds>', 'lifetime, 60 to 86400 seconds', '3600')
    .option('--json', 'print the token with its expiry as JSON')
    .action(async (options: { ttl: string; json?: boolean }) => {
      const issued = await client().post<{ access_key: string; token: string; expires_at: string }>(
        '/auth/v1/tokens',
        {
          ttl_seconds: Number(options.ttl),
        },
      );
      console.log(options.json ? JSON.stringify(issued, null, 2) : issued.token);
    });
}
