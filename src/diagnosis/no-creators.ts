// The CreatorSource while the creator probes are off (--creators=off, a kernel without them, or a
// daemon built before they land): the diagnosis then says "not counted", never "none".
import type { CreatorSource } from './model.js';

export const NO_CREATORS: CreatorSource = {
  enabled: false,
  creations: () => undefined,
  negativeCreators: () => [],
  churn: () => [],
  stalled: () => [],
  filling: () => [],
};
