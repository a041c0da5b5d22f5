// A page's bundle imports @tensorflow/tfjs-backend-wasm itself, and the dynamic import useBackend
// would make of it may not resolve there (issue 20's report: "not installed or did not register
// it"). A backend tfjs already has registered is used as it is.
import * as tf from '@tensorflow/tfjs';
import '@tensorflow/tfjs-backend-wasm'; // registers 'wasm', as a page's bundle does
import { afterAll, expect, it, vi } from 'vitest';
import { useBackend } from '../../src/agents/index.js';

afterAll(async () => {
  vi.doUnmock('@tensorflow/tfjs-backend-wasm');
  await useBackend('cpu');
});

it("uses a registered backend when its package's dynamic import fails", async () => {
  vi.doMock('@tensorflow/tfjs-backend-wasm', () => {
    throw new Error('no dynamic import of this package here');
  });
  await expect(import('@tensorflow/tfjs-backend-wasm')).rejects.toThrow(/mock/); // the page's situation: the import fails
  expect(tf.findBackendFactory('wasm')).not.toBeNull();
  expect(await useBackend('wasm')).toBe('wasm');
  expect(tf.getBackend()).toBe('wasm');
  // a backend neither registered nor importable is still an error naming its package
  await expect(useBackend('tensorflow')).rejects.toThrow(/needs the package @tensorflow\/tfjs-node/);
});
