import type { Static } from 'typebox';
import { dcsErrorBodySchema } from './wire/error-body-wire.ts';

export { dcsErrorBodySchema };

/** The error body every DCS operation answers with; error_ext_msg is documented as unused and null. */
export type DcsErrorBody = Static<typeof dcsErrorBodySchema>;
