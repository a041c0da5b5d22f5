export {
  Space,
  type SpaceDtype,
  type SpaceJSON,
  type SpaceValue,
  type JsonNumber,
  type BoxJSON,
  type DiscreteJSON,
  type MultiDiscreteJSON,
  type MultiBinaryJSON,
  type DictJSON,
  type TupleJSON,
} from './Space.js';
export { Box } from './Box.js';
export { Discrete } from './Discrete.js';
export { MultiDiscrete } from './MultiDiscrete.js';
export { MultiBinary } from './MultiBinary.js';
export { DictSpace, type DictValue, type SpaceRecord } from './DictSpace.js';
export { TupleSpace, type TupleValue } from './TupleSpace.js';
export { spaceFromJSON } from './spaceFromJSON.js';
