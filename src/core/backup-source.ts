/** Which node of the instance a backup was read from, and why that one: shown in the backup's detail. */
export interface BackupSource {
  /** replica: a healthy standby, keeping the load off the master; master: the master (or the single node). */
  role: 'replica' | 'master';
  /** host:port of the node, as the master or Sentinel announced it. */
  address: string;
  reason: string;
}
