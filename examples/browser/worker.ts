// The training worker: builds the env and PPO from the page's config and trains, posting
// progress after every rollout; the page gets the trained agent back as a checkpoint.
import { setWasmPaths } from '@tensorflow/tfjs-backend-wasm';
import '@tensorflow/tfjs-backend-webgpu'; // registers 'webgpu' where the browser has it
import { PPO, serveTraining, useBackend, type MessageEndpoint } from '../../src/agents/index.js';
import { ppoOptions, trainEnv, type TrainConfig } from './shared.js';

setWasmPaths(new URL('./', import.meta.url).href); // tfjs's wasm binaries sit beside the bundle

serveTraining<TrainConfig>(globalThis as unknown as MessageEndpoint, async (config) => {
  await useBackend(config.backend);
  return { agent: new PPO(trainEnv(config), ppoOptions(config)), totalTimesteps: config.steps };
});
