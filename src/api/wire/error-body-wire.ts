import Type from 'typebox';

/** The error body every DCS operation answers with; error_ext_msg is documented as unused and null. */
export const dcsErrorBodySchema = Type.Object(
  {
    error_code: Type.String({ description: 'DCS.xxxx: see docs/errors.md' }),
    error_msg: Type.String(),
    error_ext_msg: Type.Null(),
  },
  { title: 'DcsError' },
);
