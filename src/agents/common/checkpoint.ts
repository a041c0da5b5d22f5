import * as tf from '@tensorflow/tfjs';
import { InvalidArgumentError, TradegymError } from '../../core/errors.js';
import { quietCpuBackend } from '../backend.js';
import { extractorFromRecord } from './featuresExtractor.js';
import { fileIO } from './fileIO.js';
import { requireDir } from './guards.js';
import { scheduleFromJSON } from './schedules.js';
import type { CheckpointHeader } from './types.js';

// Checkpoints, written and read once for every algorithm: the header (algorithm, network spec,
// counters, RNG, loop state), the options, and the named tensors, through fileIO's crash-safe
// files.

/**
 * Writes a checkpoint crash-safely through {@link fileIO}: the options (schedules as JSON; a
 * custom schedule function cannot be saved), the header and the named tensors. A kill at any
 * instant leaves the previous checkpoint in `dir` or this one, complete. @internal
 */
export async function writeCheckpoint(dir: string, header: Omit<CheckpointHeader, 'options'>, config: Readonly<Record<string, unknown>>, tensors: Record<string, tf.Tensor>): Promise<void> {
  const options: Record<string, unknown> = {};
  for (const [k, v] of Object.entries(config)) {
    if (typeof v === 'function' && typeof (v as { toJSON?: unknown }).toJSON !== 'function') {
      throw new TradegymError(`option ${k} is a custom schedule function and cannot be saved; save a constantSchedule/linearSchedule, or pass ${k} again to load()`);
    }
    options[k] = v;
  }
  const { data, specs } = await tf.io.encodeWeights(tensors);
  const topology = JSON.parse(JSON.stringify({ ...header, options })) as object;
  await fileIO(dir).save({ modelTopology: topology, weightSpecs: specs, weightData: data });
}

/** A checkpoint read back by {@link readCheckpoint}. @internal */
export interface Checkpoint {
  readonly topology: CheckpointHeader;
  readonly tensors: Record<string, tf.Tensor>;
  /** The saved options with schedules rebuilt. */
  readonly options: Record<string, unknown>;
}

/**
 * The saved options with the user's overrides on top; a saved features extractor is rebuilt
 * from its record unless the overrides pass one. @internal
 */
export async function withOverrides(saved: Record<string, unknown>, overrides: object): Promise<Record<string, unknown>> {
  const merged: Record<string, unknown> = { ...saved, ...overrides };
  if (saved.featuresExtractor !== undefined && (overrides as { featuresExtractor?: unknown }).featuresExtractor === undefined) {
    merged.featuresExtractor = await extractorFromRecord(saved.featuresExtractor);
  }
  return merged;
}

/** Throws unless the network built for the env has the saved spec. @internal */
export function requireSameSpec(saved: unknown, built: unknown): void {
  if (JSON.stringify(saved) !== JSON.stringify(built)) {
    throw new InvalidArgumentError(`env does not fit the saved agent: its network spec ${JSON.stringify(built)} differs from the saved ${JSON.stringify(saved)}`);
  }
}

/** Reads a checkpoint written by `save` and checks its algorithm. @internal */
export async function readCheckpoint(dir: string, algorithm: string): Promise<Checkpoint> {
  requireDir('dir', dir);
  quietCpuBackend(); // the tensors below may be the process's first: before the agent's constructor
  const artifacts = await fileIO(dir).load();
  const topology = artifacts.modelTopology as Checkpoint['topology'];
  if (topology.algorithm !== algorithm) {
    throw new InvalidArgumentError(`dir holds a ${topology.algorithm} agent, not ${algorithm}: load it with ${topology.algorithm}.load`);
  }
  const tensors = tf.io.decodeWeights(artifacts.weightData as ArrayBuffer, artifacts.weightSpecs ?? []);
  const options = Object.fromEntries(Object.entries(topology.options).map(([k, v]) => [k, scheduleFromJSON(v)]));
  return { topology, tensors, options };
}

