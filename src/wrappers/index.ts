export { TimeLimit } from './TimeLimit.js';
export { ClipAction } from './ClipAction.js';
export { NormalizeObservation, type NormalizeObservationOptions } from './NormalizeObservation.js';
export { NormalizeReward, type NormalizeRewardOptions } from './NormalizeReward.js';
export { FrameStack, type FrameStackOptions } from './FrameStack.js';
export { FlattenObservation, flatLayout, type FlatPart } from './FlattenObservation.js';
export {
  RecordEpisodeStatistics,
  type EpisodeStatistics,
  type RecordEpisodeStatisticsOptions,
} from './RecordEpisodeStatistics.js';
export { RunningMeanStd, type RunningMeanStdState } from './RunningMeanStd.js';
