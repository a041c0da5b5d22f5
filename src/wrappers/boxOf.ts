import { fail } from '../core/checks.js';
import { Box } from '../spaces/Box.js';
import type { Space } from '../spaces/Space.js';

/** The space as a Box, or an error naming the wrapper that needs one. @internal */
export function requireBox(what: string, space: Space<unknown>): Box {
  if (!(space instanceof Box)) fail(what, 'a Box', String(space));
  return space;
}
