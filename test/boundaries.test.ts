// The workspaces meet only where a package says so: the lab's package exports control.ts (what the CLI drives),
// status.ts (the lab's status alone: how the CLI's fast path finds the lab), exit-code.ts (signal → exit code, shared
// with the CLI), spdy-frames.ts (the SPDY/3 frames the CLI's port-forward tunnel speaks), testing.ts (what suites and
// benchmarks use) and trace-types.ts (the shape of the trace events the CLI reads, types only), nothing else; the app exports no module
// at all (it is a program), only its package.json, through which the lab finds the app's files: no lab file names
// the app's folder in the repository.
// Checked the way Node resolves an import at run time and the way TypeScript (tsc, module nodenext) does.
import { describe, it, expect } from 'vitest';
import fs from 'node:fs';
import { createRequire } from 'node:module';
import path from 'node:path';
import ts from 'typescript';

const ROOT = path.resolve(import.meta.dirname, '..');
const TOOLS = path.join(ROOT, 'tools', 'src', 'cli.ts');
const LAB = path.join(ROOT, 'lab', 'src', 'lab.ts');

/** Where Node sends `spec` imported from `from`, or the code of its refusal. */
function nodeResolves(spec: string, from: string): string {
  try {
    return path.relative(ROOT, createRequire(from).resolve(spec));
  } catch (err) {
    return (err as NodeJS.ErrnoException).code ?? String(err);
  }
}

/** Where tsc sends `spec` imported from `from` (an ES module), or null. */
function tscResolves(spec: string, from: string): string | null {
  const options: ts.CompilerOptions = { module: ts.ModuleKind.NodeNext, moduleResolution: ts.ModuleResolutionKind.NodeNext, allowImportingTsExtensions: true };
  const r = ts.resolveModuleName(spec, from, options, ts.sys, undefined, undefined, ts.ModuleKind.ESNext).resolvedModule;
  return r ? path.relative(ROOT, r.resolvedFileName) : null;
}

describe('package boundaries', () => {
  it('the tools reach the lab only through control.ts, status.ts, exit-code.ts, spdy-frames.ts, testing.ts and trace-types.ts', () => {
    const exported = [['@kiada/lab/control.ts', 'lab/src/control.ts'], ['@kiada/lab/status.ts', 'lab/src/control/status.ts'], ['@kiada/lab/exit-code.ts', 'lab/src/exit-code.ts'],
      ['@kiada/lab/spdy-frames.ts', 'lab/src/stream/spdy/frames.ts'], ['@kiada/lab/testing.ts', 'lab/src/testing.ts'], ['@kiada/lab/trace-types.ts', 'lab/src/trace-types.ts']];
    expect(Object.keys(JSON.parse(fs.readFileSync(path.join(ROOT, 'lab', 'package.json'), 'utf8')).exports).sort()).toEqual(exported.map(([spec]) => spec.replace('@kiada/lab', '.')).sort());
    for (const [spec, file] of exported) {
      expect(nodeResolves(spec, TOOLS)).toBe(file);
      expect(tscResolves(spec, TOOLS)).toBe(file);
    }
    for (const internal of ['@kiada/lab', '@kiada/lab/paths.ts', '@kiada/lab/registry.ts', '@kiada/lab/api/index.ts', '@kiada/lab/src/control.ts', '@kiada/lab/package.json',
      '@kiada/lab/control/up.ts', '@kiada/lab/trace/recorder.ts']) {
      expect([internal, nodeResolves(internal, TOOLS)]).toEqual([internal, 'ERR_PACKAGE_PATH_NOT_EXPORTED']);
      expect([internal, tscResolves(internal, TOOLS)]).toEqual([internal, null]);
    }
  });

  it('trace-types.ts holds types only, and the tools import it only as types (nothing of the lab loads with them)', () => {
    const file = path.join(ROOT, 'lab', 'src', 'trace-types.ts');
    const source = ts.createSourceFile(file, fs.readFileSync(file, 'utf8'), ts.ScriptTarget.ESNext);
    const kinds = source.statements.map((st) => ts.SyntaxKind[st.kind]);
    expect(kinds.filter((k) => k !== 'TypeAliasDeclaration' && k !== 'InterfaceDeclaration')).toEqual([]);
    // Every mention of it in the tools is an `import type` (erased under verbatimModuleSyntax): no import(), no value import.
    const SPEC = '@kiada/lab/trace-types.ts';
    let typeImports = 0;
    const others: string[] = [];
    for (const dir of ['src', 'test', 'scripts']) {
      for (const f of fs.readdirSync(path.join(ROOT, 'tools', dir), { recursive: true, encoding: 'utf8' })) {
        if (!/\.[cm]?[jt]s$/.test(f)) continue;
        const text = fs.readFileSync(path.join(ROOT, 'tools', dir, f), 'utf8');
        const mentions = text.split(SPEC).length - 1;
        if (mentions === 0) continue;
        const sf = ts.createSourceFile(f, text, ts.ScriptTarget.ESNext);
        const asTypes = sf.statements.filter((st) => ts.isImportDeclaration(st) && st.importClause?.isTypeOnly && (st.moduleSpecifier as ts.StringLiteral).text === SPEC).length;
        typeImports += asTypes;
        if (asTypes !== mentions) others.push(`tools/${dir}/${f}`);
      }
    }
    expect(typeImports).toBeGreaterThan(0);
    expect(others).toEqual([]);
  });

  it('no module of the app is importable from the lab', () => {
    for (const internal of ['@kiada/app', '@kiada/app/main.ts', '@kiada/app/src/app.ts']) {
      expect([internal, nodeResolves(internal, LAB)]).toEqual([internal, 'ERR_PACKAGE_PATH_NOT_EXPORTED']);
      expect([internal, tscResolves(internal, LAB)]).toEqual([internal, null]);
    }
  });

  it('the app exports only its package.json, and the lab depends on the app as a workspace package', () => {
    const app = JSON.parse(fs.readFileSync(path.join(ROOT, 'apps/kiada/package.json'), 'utf8'));
    expect(app.exports).toEqual({ './package.json': './package.json' });
    expect(nodeResolves('@kiada/app/package.json', LAB)).toBe('apps/kiada/package.json');
    // `npm ci` links the workspace into node_modules, so a fresh clone resolves it.
    const lab = JSON.parse(fs.readFileSync(path.join(ROOT, 'lab/package.json'), 'utf8'));
    expect(lab.dependencies['@kiada/app']).toBe(app.version);
    const lock = JSON.parse(fs.readFileSync(path.join(ROOT, 'package-lock.json'), 'utf8'));
    expect(lock.packages['node_modules/@kiada/app']).toEqual({ resolved: 'apps/kiada', link: true });
  });

  it('no lab file names the app by its path in the repository', () => {
    const files = ['package.json', 'tsconfig.json', ...['src', 'test'].flatMap((dir) =>
      fs.readdirSync(path.join(ROOT, 'lab', dir), { recursive: true, encoding: 'utf8' }).map((f) => path.join(dir, f)).filter((f) => /\.(ts|js|json)$/.test(f)))];
    expect(files).toContain(path.join('src', 'kubelet', 'image-table.ts'));
    expect(files.filter((f) => fs.readFileSync(path.join(ROOT, 'lab', f), 'utf8').includes('apps/kiada'))).toEqual([]);
  });
});
