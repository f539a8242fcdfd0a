import ts from 'typescript';
import { describe, expect, it } from 'vitest';

/** The package's entry points (client/package.json "exports"). */
const ENTRIES = ['client/sdk/index.ts', 'client/react/index.ts'];

/** Every name an entry exports whose declaration carries no doc comment, as `entry: name (file)`. */
function undocumentedExports(files: string[]): { checked: number; missing: string[] } {
  const program = ts.createProgram([...files, 'client/react/react.d.ts'], {
    module: ts.ModuleKind.NodeNext,
    moduleResolution: ts.ModuleResolutionKind.NodeNext,
    target: ts.ScriptTarget.ES2022,
    strict: true,
    skipLibCheck: true,
    noEmit: true,
  });
  const checker = program.getTypeChecker();
  const missing: string[] = [];
  let checked = 0;
  for (const entry of files) {
    const source = program.getSourceFile(entry);
    const module = source && checker.getSymbolAtLocation(source);
    if (!module) throw new Error(`${entry} is not a module`);
    for (const exported of checker.getExportsOfModule(module)) {
      const target = exported.flags & ts.SymbolFlags.Alias ? checker.getAliasedSymbol(exported) : exported;
      checked++;
      if (target.getDocumentationComment(checker).length > 0) continue;
      const file = target.declarations?.[0]?.getSourceFile().fileName.replace(`${process.cwd()}/`, '');
      missing.push(`${entry}: ${exported.name} (${file ?? 'no declaration'})`);
    }
  }
  return { checked, missing };
}

describe('the SDK package documents what it exports', () => {
  it('every export of every entry carries a TSDoc comment', { timeout: 60_000 }, () => {
    const { checked, missing } = undocumentedExports(ENTRIES);
    expect(checked).toBeGreaterThan(20);
    expect(missing).toEqual([]);
  });

  it('finds an export without a comment', { timeout: 60_000 }, () => {
    const { missing } = undocumentedExports(['test/unit/client/fixtures/undocumented.ts']);
    expect(missing).toEqual([
      'test/unit/client/fixtures/undocumented.ts: bare (test/unit/client/fixtures/undocumented.ts)',
    ]);
  });
});
