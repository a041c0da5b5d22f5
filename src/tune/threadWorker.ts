// The entry of a `threadPool` thread: it runs each `TrialJob` the pool posts with `runTrialJob`
// and posts back the outcome (or, for a job `runTrialJob` refuses, the error as a crash).
// Built to dist/tune-worker.js and .cjs; loaded by file, never imported by the package's entries.
import type * as WorkerThreads from 'node:worker_threads';
import { nodeBuiltin } from '../core/nodeBuiltin.js';
import { runTrialJob, type ThreadReply, type TrialJob } from './executors.js';

const { parentPort } = nodeBuiltin<typeof WorkerThreads>('node:worker_threads', 'the tune worker thread');
if (parentPort === null) throw new Error('tradegym/tune-worker runs only as a worker thread of threadPool()');
const port = parentPort;
port.on('message', (job: TrialJob) => {
  runTrialJob(job).then(
    (outcome): void => port.postMessage({ outcome } satisfies ThreadReply),
    (e: unknown): void => port.postMessage({ crash: e instanceof Error ? { name: e.name, message: e.message } : { name: 'Error', message: String(e) } } satisfies ThreadReply),
  );
});
