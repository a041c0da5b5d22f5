// The agents' action type follows their env's: test/agents/fixtures/actionTypes.ts calls
// `env.step(agent.predict(observation))` without casts for CartPole, Pendulum, a vector env and
// TradingEnv, and marks the mismatches that must not compile with @ts-expect-error. This test
// compiles it with the project's compiler options and expects no diagnostics.
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import ts from 'typescript';
import { describe, expect, it } from 'vitest';

const root = join(dirname(fileURLToPath(import.meta.url)), '..', '..');

function diagnostics(file: string): string[] {
  const config = ts.readConfigFile(join(root, 'tsconfig.json'), (p) => ts.sys.readFile(p));
  const parsed = ts.parseJsonConfigFileContent(config.config, ts.sys, root);
  const program = ts.createProgram([file], { ...parsed.options, noEmit: true });
  return ts.getPreEmitDiagnostics(program, program.getSourceFile(file)).map((d) => ts.flattenDiagnosticMessageText(d.messageText, '\n'));
}

describe("an agent's action type", () => {
  it("is its env's: env.step(agent.predict(obs)) compiles without a cast, and mismatched actions do not", () => {
    expect(diagnostics(join(root, 'test', 'agents', 'fixtures', 'actionTypes.ts'))).toEqual([]);
  }, 120_000);
});
