import { DomainError } from './errors.ts';

export const MAX_REMARK_LENGTH = 128;

/** DCS's rule for backup and restore remarks: at most 128 characters (characters, not bytes). */
export function checkRemark(remark: string | null): void {
  if (remark !== null && [...remark].length > MAX_REMARK_LENGTH) {
    throw new DomainError(
      'remark_too_long',
      'The value of the remark parameter must be 0 to 128 characters in length.',
    );
  }
}
