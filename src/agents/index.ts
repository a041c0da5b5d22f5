/**
 * tradegym/agents: reinforcement-learning agents on @tensorflow/tfjs. Loads tfjs; choose a
 * backend with {@link useBackend} first.
 *
 * @packageDocumentation
 */
export { useBackend, type BackendName } from './backend.js';
export { PPO, PPO_DEFAULTS, type PPOOptions } from './ppo/PPO.js';
export { RecurrentPPO, RECURRENT_PPO_DEFAULTS, type RecurrentPPOOptions } from './recurrent-ppo/RecurrentPPO.js';
export { A2C, A2C_DEFAULTS, type A2COptions } from './a2c/A2C.js';
export { DQN, DQN_DEFAULTS, type DQNCompute, type DQNOptions } from './dqn/DQN.js';
export { QRDQN, QRDQN_DEFAULTS, type QRDQNOptions } from './qrdqn/QRDQN.js';
export { SAC, SAC_DEFAULTS, type SACOptions, type SACPolicyView } from './sac/SAC.js';
export type { SACSpec } from './sac/SACNetworks.js';
export type { ValueBasedOptions } from './common/ValueBased.js';
export type { OffPolicyOptions } from './common/OffPolicy.js';
export { nativeStatus, type NativeAvailable, type NativeStatus, type NativeUnavailable } from './common/kernels/native.js';
export { kernelSets, type Compute, type KernelSetStatus, type ResolvedCompute } from './common/kernels/registry.js';
export { constantSchedule, linearSchedule, type Schedule } from './common/schedules.js';
export type { AgentAction, LearnOptions, LogRecord, PredictOptions, RecurrentPredictOptions, RecurrentPrediction, RecurrentPredictor, RecurrentState, RecurrentState32, TrainEnv } from './common/types.js';
export type { CheckpointTarget } from './common/checkpoint.js';
export type { ActorCriticSpec, ActorCriticView, NetArch, RecurrentSpec } from './common/ActorCritic.js';
export type { QNetworkSpec, QNetworkView } from './common/QNetwork.js';
export type { ReplayActions, ReplayBufferView } from './common/ReplayBuffer.js';
export type { FeaturesExtractor } from './common/featuresExtractor.js';
export {
  tcnExtractor,
  lstmExtractor,
  combinedExtractor,
  extractorFromDescription,
  type ExtractorFactory,
  type BuiltinExtractor,
  type ExtractorDescription,
  type TcnExtractorOptions,
  type LstmExtractorOptions,
} from './common/extractors.js';
export { evaluatePolicy, type EvaluationResult, type EvaluateOptions, type Predictor } from './common/evaluatePolicy.js';
export {
  EvalCallback,
  CheckpointCallback,
  StopTrainingOnRewardThreshold,
  TrainingLogger,
  ProgressBar,
  type TrainingCallback,
  type CallbackSpec,
  type CallbackContext,
  type CallbackAgent,
  type EvalCallbackOptions,
  type EvaluationRecord,
  type CheckpointCallbackOptions,
} from './common/callbacks.js';
export { serveTraining, WorkerTrainer, type MessageEndpoint, type ServeTrainingOptions, type TrainableAgent, type WorkerProgress, type WorkerTraining, type WorkerTrainingResult, type WorkerTrainOptions } from './worker.js';
export { TensorBoardLogger, TensorBoardWriter, type TensorBoardWriterOptions } from './common/tensorboard.js';
export { MultiAgentTrainer, type MultiAgentPredictOptions } from './multiagent/MultiAgentTrainer.js';
export type { MultiAgentOptions, PolicySpec } from './multiagent/options.js';
export { evaluateMultiAgent, type MultiAgentEvaluateOptions, type MultiAgentEvaluation, type MultiAgentPredictor } from './multiagent/evaluate.js';
