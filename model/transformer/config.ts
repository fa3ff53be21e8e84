/** GPT-2 architecture hyper-parameters (DESIGN §5). */
import { z } from 'zod';

export const GPTConfigSchema = z.object({
  vocabSize: z.number().int().positive(),
  blockSize: z.number().int().positive(),
  nLayer: z.number().int().positive(),
  nHead: z.number().int().positive(),
  dModel: z.number().int().positive(),
  dropout: z.number().min(0).max(1).default(0),
  layerNormEpsilon: z.number().positive().default(1e-5),
}).refine((c) => c.dModel % c.nHead === 0, { message: 'dModel must be divisible by nHead' });

export type GPTConfig = z.infer<typeof GPTConfigSchema>;

/** The reference model of the engine benchmark and the default dialogue model size. */
export const REFERENCE_CONFIG: GPTConfig = {
  vocabSize: 8000, blockSize: 128, nLayer: 6, nHead: 4, dModel: 256, dropout: 0, layerNormEpsilon: 1e-5,
};
