// A TypeDoc plugin (typedoc.json "plugin"): names each entry point's module by the specifier a
// user imports it with, read from package.json's "exports" ("tradegym", "tradegym/agents", ...),
// instead of TypeDoc's file-based "index", "agents", ... One source of truth: a subpath added
// to "exports" is named rightly without touching this file.
import { readFileSync } from 'node:fs';
import { Converter, ReflectionKind } from 'typedoc';

const pkg = JSON.parse(readFileSync(new URL('../package.json', import.meta.url), 'utf8'));

/** `'agents'` -> `'tradegym/agents'`, from the "./agents" export whose types are dist/agents.d.ts. */
function specifiers() {
  const names = new Map();
  for (const [subpath, target] of Object.entries(pkg.exports)) {
    const types = target?.import?.types;
    if (typeof types !== 'string') continue;
    const file = types.replace(/^\.\/dist\//, '').replace(/\.d\.ts$/, '');
    names.set(file, subpath === '.' ? pkg.name : `${pkg.name}/${subpath.replace(/^\.\//, '')}`);
  }
  return names;
}

/** @param {import('typedoc').Application} app */
export function load(app) {
  const names = specifiers();
  app.converter.on(Converter.EVENT_RESOLVE_BEGIN, (context) => {
    for (const mod of context.project.getChildrenByKind(ReflectionKind.Module)) {
      const name = names.get(mod.name);
      if (name === undefined) throw new Error(`typedoc entry point "${mod.name}" is not a subpath in package.json "exports"`);
      mod.name = name;
    }
  });
}
