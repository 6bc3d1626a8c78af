/**
 * The warning restore and verify give for keys holding an empty collection: Redis skips them when it loads a
 * file, so restore does too, and says so.
 */
export function emptyKeysWarning(count: number): string {
  return `${count} empty ${count === 1 ? 'key' : 'keys'} skipped, as Redis does on load`;
}
