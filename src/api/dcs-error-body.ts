/** The error body every DCS operation answers with; error_ext_msg is documented as unused and null. */
export interface DcsErrorBody {
  error_code: string;
  error_msg: string;
  error_ext_msg: null;
}

export const dcsErrorBodySchema = {
  type: 'object',
  properties: {
    error_code: { type: 'string' },
    error_msg: { type: 'string' },
    error_ext_msg: { type: 'null' },
  },
  required: ['error_code', 'error_msg', 'error_ext_msg'],
} as const;
