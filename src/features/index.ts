export { FeaturePipeline, type FeatureSpec } from './FeaturePipeline.js';
export { FeatureFrame } from './FeatureFrame.js';
export type { IndicatorDef, ParamDef } from './catalog.js';
