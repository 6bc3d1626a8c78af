/** `npm run lint` step: fails when src/ breaks a layer rule or has an import circle (see architecture-rules.ts). */
import { fileURLToPath } from 'node:url';
import { checkArchitecture } from './architecture-rules.ts';
import { readImports } from './read-imports.ts';

const srcDir = fileURLToPath(new URL('../src/', import.meta.url));
const violations = checkArchitecture(readImports(srcDir));
for (const violation of violations) console.error(`src/${violation.file}: ${violation.message}`);
if (violations.length > 0) {
  console.error(`${violations.length} architecture rule violation(s)`);
  process.exit(1);
}
console.log('architecture: layers and import circles OK');
