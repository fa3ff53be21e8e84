/**
 * Hidden states of a LEFT-PADDED batch (row b starts with pads[b] filler ids): the transformer's own
 * forward with per-row positions and a padding mask, so each row computes what its prompt alone does.
 */
import type { tf } from '../engine/index.js';
import type { GPT, KVCache } from '../transformer/index.js';
import { GenerationInputError } from '../errors.js';

export function paddedHidden(model: GPT, ids: tf.Tensor2D, pads: readonly number[], cache?: KVCache): tf.Tensor3D {
  if (pads.length !== ids.shape[0]) throw new GenerationInputError(`paddedHidden: ${pads.length} pad counts for ${ids.shape[0]} rows`);
  return model.hidden(ids, { cache, leftPadding: pads });
}
