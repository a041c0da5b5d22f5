export { FeaturePipeline, type FeatureSpec, type FeatureSpecObject, type IndicatorInfo, type TimedFeatures } from './FeaturePipeline.js';
export { FeatureFrame } from './FeatureFrame.js';
export { FeatureStream, type FeatureStreamOptions } from './FeatureStream.js';
export type { OhlcvBar } from '../market/OhlcvBar.js';
export { Normalizer, NotFittedError, type NormalizeMethod, type NormalizerOptions, type NormalizerJSON, type ColumnStats } from './Normalizer.js';
export type { IndicatorDef, ParamDef } from './catalog.js';
