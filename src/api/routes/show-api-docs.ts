import fs from 'node:fs/promises';
import { createRequire } from 'node:module';
import path from 'node:path';
import Type from 'typebox';
import { DomainError } from '../../core/errors.ts';
import { defineOperation } from '../operations/operation.ts';
import { stringEnum } from '../wire/schema-kit.ts';

/** The files of the swagger-ui-dist package the page loads: served from this service, no CDN. */
const ASSETS = {
  'swagger-ui.css': 'text/css; charset=utf-8',
  'swagger-ui-bundle.js': 'text/javascript; charset=utf-8',
} as const;
type Asset = keyof typeof ASSETS;

const INIT_SCRIPT = `window.addEventListener('load', () => {
  window.ui = SwaggerUIBundle({ url: document.body.dataset.spec, dom_id: '#api', deepLinking: true });
});
`;

/** The page; `base` leads from the page's own URL to the service root, so it works under a path prefix. */
function page(base: string): string {
  return `<!doctype html>
<html lang="en">
<head>
<meta charset="utf-8">
<title>dcs-backup API</title>
<link rel="stylesheet" href="${base}docs/swagger-ui.css">
</head>
<body data-spec="${base}openapi.json">
<div id="api"></div>
<script src="${base}docs/swagger-ui-bundle.js"></script>
<script src="${base}docs/init.js"></script>
</body>
</html>
`;
}

export const ShowApiDocs = defineOperation({
  id: 'ShowApiDocs',
  method: 'GET',
  path: '/docs',
  access: 'public',
  summary: 'An interactive page over the OpenAPI document',
  coverage: {
    family: 'service',
    status: 'anyone, without credentials: an interactive page over `/openapi.json`',
  },
  schemas: { responses: { 200: null } },
  produces: 'text/html',
  errors: [],
  async handle(request, reply) {
    const trailingSlash = request.url.split('?', 1)[0]!.endsWith('/');
    return reply.type('text/html; charset=utf-8').send(page(trailingSlash ? '../' : ''));
  },
});

let assetDir: string | undefined;

export const GetApiDocsAsset = defineOperation({
  id: 'GetApiDocsAsset',
  method: 'GET',
  path: '/docs/:asset',
  access: 'public',
  summary: "The page's script and style sheet",
  coverage: {
    family: 'service',
    status: "anyone, without credentials: the page's own script and style sheet",
  },
  schemas: {
    params: Type.Object({ asset: stringEnum([...Object.keys(ASSETS), 'init.js']) }),
    responses: { 200: null },
  },
  produces: 'text/javascript',
  errors: ['route_not_found'],
  async handle(request, reply) {
    const { asset } = request.params;
    if (asset === 'init.js') return reply.type('text/javascript; charset=utf-8').send(INIT_SCRIPT);
    if (!Object.hasOwn(ASSETS, asset)) throw new DomainError('route_not_found', '');
    assetDir ??= path.dirname(createRequire(import.meta.url).resolve('swagger-ui-dist/package.json'));
    const bytes = await fs.readFile(path.join(assetDir, asset));
    return reply
      .type(ASSETS[asset as Asset])
      .header('cache-control', 'public, max-age=86400')
      .send(bytes);
  },
});
