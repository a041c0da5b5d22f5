export { RegimeGenerator, type GenerateOptions, type GeneratedMarket, type RegimeSpell } from './RegimeGenerator.js';
export {
  validateGeneratorConfig,
  GENERATOR_PRESETS,
  DEFAULT_REGIMES,
  type GeneratorConfig,
  type RegimeConfig,
  type GarchConfig,
  type JumpConfig,
  type GapConfig,
  type VolumeConfig,
} from './config.js';
