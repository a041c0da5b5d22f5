// Run by checkpoint.test.ts as a child process: `node --import tsx checkpoint-child.ts <dir> <k>`.
// Builds the "new" agent (a fixed seed, so every run builds the same one) and saves it to <dir>,
// killing itself with SIGKILL right after step k of the save (SAVE_STEPS[k]); k = -1 never kills.
// Imports the modules themselves, not the index barrels, to start fast.
import { A2C } from '../../src/agents/a2c/A2C.js';
import { useBackend } from '../../src/agents/backend.js';
import { SAVE_STEPS, setSaveStepHook } from '../../src/agents/common/fileIO.js';
import { CartPole } from '../../src/envs/classic/CartPole.js';

const NEW_AGENT = { seed: 1, nSteps: 4, netArch: { pi: [4], vf: [4] } } as const;

const [dir, k] = process.argv.slice(2);
if (dir === undefined || k === undefined) throw new Error('usage: checkpoint-child.ts <dir> <k>');
const killAfter = SAVE_STEPS[Number(k)];
await useBackend('cpu');
const agent = new A2C(new CartPole(), NEW_AGENT);
await agent.learn({ totalTimesteps: 8 }); // so its step count (8) and optimizer state differ from the old agent's
setSaveStepHook((step) => {
  if (step === killAfter) process.kill(process.pid, 'SIGKILL');
});
await agent.save(dir);
