export { RegimeGenerator, type GenerateOptions, type GeneratedMarket, type RegimeSpell } from './RegimeGenerator.js';
export {
  validateGeneratorConfig,
  GENERATOR_PRESETS,
  DEFAULT_REGIMES,
  type GeneratorConfig,
  type GeneratorPresetName,
  type GeneratorConfigInput,
  type RegimeConfig,
  type RegimeConfigInput,
  type GarchConfig,
  type JumpConfig,
  type JumpConfigInput,
  type GapConfig,
  type VolumeConfig,
  type VolumeConfigInput,
} from './config.js';
