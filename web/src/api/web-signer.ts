import {
  type SignableRequest,
  type SigningDigests,
  signRequestWith,
} from '../../../src/core/auth/sdk-signing.ts';

/**
 * The SDK-HMAC-SHA256 signer of the console: the project's one signing module (the same the CLI and the
 * server use), fed with WebCrypto's digests. WebCrypto exists only in secure contexts: HTTPS, or a loopback
 * address over HTTP.
 */
const encoder = new TextEncoder();

/** WebCrypto's SubtleCrypto, named so that both the DOM's and Node's type declarations fit. */
type Subtle = typeof globalThis.crypto.subtle;

const hex = (bytes: ArrayBuffer) =>
  Array.from(new Uint8Array(bytes), (byte) => byte.toString(16).padStart(2, '0')).join('');

export function webCryptoDigests(subtle: Subtle): SigningDigests {
  return {
    async sha256Hex(text) {
      return hex(await subtle.digest('SHA-256', encoder.encode(text)));
    },
    async hmacSha256Hex(key, text) {
      const imported = await subtle.importKey(
        'raw',
        encoder.encode(key),
        { name: 'HMAC', hash: 'SHA-256' },
        false,
        ['sign'],
      );
      return hex(await subtle.sign('HMAC', imported, encoder.encode(text)));
    },
  };
}

/** Whether this page can sign at all (see above). */
export function canSign(): boolean {
  return typeof globalThis.crypto?.subtle?.digest === 'function';
}

/** The headers to add to a request so that it carries the SDK's signature. */
export function signWithWebCrypto(
  request: Omit<SignableRequest, 'signedHeaders'>,
  accessKey: string,
  secretKey: string,
  nowMs: number,
  subtle: Subtle = globalThis.crypto.subtle,
): Promise<Record<string, string>> {
  return signRequestWith(webCryptoDigests(subtle), request, accessKey, secretKey, nowMs);
}
