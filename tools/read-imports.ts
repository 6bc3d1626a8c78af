/** Reads the import specifiers of every TypeScript module under a folder, with the compiler's own scanner. */
import fs from 'node:fs';
import path from 'node:path';
import ts from 'typescript';
import type { ModuleImports } from './architecture-rules.ts';

export function readImports(srcDir: string): ModuleImports[] {
  const files = fs
    .readdirSync(srcDir, { recursive: true, encoding: 'utf8' })
    .filter((file) => file.endsWith('.ts') && !file.endsWith('.d.ts'))
    .sort();
  return files.map((file) => {
    const text = fs.readFileSync(path.join(srcDir, file), 'utf8');
    // preProcessFile sees import/export-from, dynamic import() and type-only imports alike: all are dependencies.
    const info = ts.preProcessFile(text, true, true);
    return {
      file: file.split(path.sep).join('/'),
      specifiers: info.importedFiles.map((imported) => imported.fileName),
    };
  });
}
