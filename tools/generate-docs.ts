/** Writes docs/openapi.json and docs/api-coverage.md from the operation table (`npm run docs:generate`). */
import fs from 'node:fs';
import { COVERAGE_FILE, OPENAPI_FILE, renderApiCoverage, renderOpenApi } from './api-docs.ts';

fs.writeFileSync(OPENAPI_FILE, await renderOpenApi());
fs.writeFileSync(COVERAGE_FILE, await renderApiCoverage());
console.log('wrote docs/openapi.json and docs/api-coverage.md');
