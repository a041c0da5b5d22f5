import * as tf from '@tensorflow/tfjs';
import { existsSync } from 'node:fs';
import { mkdir, readFile, rename, rm, writeFile } from 'node:fs/promises';
import { basename, dirname, join } from 'node:path';
import { TradegymError } from '../../core/errors.js';

/**
 * A `tf.io.IOHandler` that saves to and loads from a directory on disk (tfjs's own file
 * handler lives in tfjs-node, which cannot always be installed). Files: `model.json` (the
 * topology, the weights manifest and metadata) and `weights.bin`. Saving is atomic: both
 * files are written into a temporary sibling directory, which then replaces `dir` by
 * rename, so a crash never leaves a half-written checkpoint. @internal
 */
export function fileIO(dir: string): Required<Pick<tf.io.IOHandler, 'save' | 'load'>> {
  return {
    async save(artifacts: tf.io.ModelArtifacts): Promise<tf.io.SaveResult> {
      const tmp = join(dirname(dir), `.${basename(dir)}.tmp-${process.pid}-${Date.now()}`);
      await mkdir(tmp, { recursive: true });
      const data = artifacts.weightData instanceof ArrayBuffer ? new Uint8Array(artifacts.weightData) : new Uint8Array(tf.io.concatenateArrayBuffers(artifacts.weightData as ArrayBuffer[]));
      const json = {
        format: 'tradegym-agent',
        modelTopology: artifacts.modelTopology,
        weightsManifest: [{ paths: ['weights.bin'], weights: artifacts.weightSpecs }],
      };
      await writeFile(join(tmp, 'weights.bin'), data);
      await writeFile(join(tmp, 'model.json'), JSON.stringify(json));
      const old = `${tmp}.old`;
      if (existsSync(dir)) await rename(dir, old);
      await rename(tmp, dir);
      await rm(old, { recursive: true, force: true });
      return { modelArtifactsInfo: { dateSaved: new Date(), modelTopologyType: 'JSON', weightDataBytes: data.byteLength } };
    },
    async load(): Promise<tf.io.ModelArtifacts> {
      let json: { format?: string; modelTopology: object; weightsManifest: { weights: tf.io.WeightsManifestEntry[] }[] };
      try {
        json = JSON.parse(await readFile(join(dir, 'model.json'), 'utf8'));
      } catch (e) {
        throw new TradegymError(`no tradegym agent saved in ${dir}: ${(e as Error).message}`);
      }
      if (json.format !== 'tradegym-agent') throw new TradegymError(`${dir}/model.json is not a tradegym agent checkpoint (format ${JSON.stringify(json.format)})`);
      const bin = await readFile(join(dir, 'weights.bin'));
      return {
        modelTopology: json.modelTopology,
        weightSpecs: json.weightsManifest[0]?.weights ?? [],
        weightData: bin.buffer.slice(bin.byteOffset, bin.byteOffset + bin.byteLength),
      };
    },
  };
}
