const MIB = 1024 * 1024;

/** S3's limits: every part but the last at least 5 MiB, at most 5 GiB, and at most 10,000 parts. */
export const MIN_PART_BYTES = 5 * MIB;
export const MAX_PART_BYTES = 5 * 1024 * MIB;
export const MAX_PARTS = 10_000;

/** Used when nothing tells the size: 16 MiB parts, growing as below, hold about 290 GB in all. */
const DEFAULT_PART_BYTES = 16 * MIB;
/** Parts planned from the estimate: room for the dataset to grow past it by a third before the growth starts. */
const PLANNED_PARTS = 7_500;
/** After this many parts the part size doubles, so a file far larger than its estimate still fits. */
const PARTS_PER_STEP = 1_000;

/**
 * The size of part `partNumber` (1-based) of an upload whose file is expected to be `estimate` bytes: a whole
 * number of MiB, at least 5 MiB, chosen so that the estimate fills about 7,500 parts, and doubling every 1,000
 * parts beyond those, so even a file many times its estimate stays under 10,000 parts (a 10 TB estimate gives
 * parts of about 1.3 GB, and room for 20 TB). Parts may differ in size; S3 only asks the last one may be small.
 */
export function partSize(estimate: number | null | undefined, partNumber: number): number {
  const base =
    estimate && estimate > 0
      ? Math.max(MIN_PART_BYTES, Math.ceil(estimate / PLANNED_PARTS / MIB) * MIB)
      : DEFAULT_PART_BYTES;
  const steps = Math.max(0, Math.floor((partNumber - 1 - PLANNED_PARTS) / PARTS_PER_STEP) + 1);
  return Math.min(MAX_PART_BYTES, base * 2 ** steps);
}
