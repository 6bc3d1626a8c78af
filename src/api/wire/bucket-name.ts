/** The bucket_name this service answers where DCS names an OBS bucket and the files are in its own store. */
export const BUCKET_NAME = 'dcs-backup';
