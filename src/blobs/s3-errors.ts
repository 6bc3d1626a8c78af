/** How S3 answers are told apart, by the SDK's error name and HTTP status, whatever the server. */
const statusOf = (error: unknown) =>
  (error as { $metadata?: { httpStatusCode?: number } }).$metadata?.httpStatusCode;

/** No such object, key or upload. */
export function isMissing(error: unknown): boolean {
  const name = (error as Error).name;
  if (name === 'NoSuchBucket') return false;
  return name === 'NoSuchKey' || name === 'NotFound' || name === 'NoSuchUpload' || statusOf(error) === 404;
}

/** A call the server does not implement (s3rver has no ListMultipartUploads or AbortMultipartUpload). */
export function isUnsupported(error: unknown): boolean {
  const name = (error as Error).name;
  return (
    name === 'NotImplemented' ||
    name === 'MethodNotAllowed' ||
    statusOf(error) === 501 ||
    statusOf(error) === 405
  );
}
