/**
 * The one place the synthetic experiment builds its optimizer (so it can be swapped). Default: the
 * engine's AdamW with weight decay 0, which is exactly Adam (one fused kernel per variable where the
 * native kernels are loaded); 'tfjs-adam' is TF.js's own tf.train.adam, for comparison.
 */
import { AdamW, tf } from '../engine/index.js';

export type OptimizerKind = 'adam' | 'tfjs-adam';

export interface CriticOptimizer {
  apply(variables: Record<string, tf.Variable>, grads: Record<string, tf.Tensor>): void;
  dispose(): void;
}

export function createOptimizer(kind: OptimizerKind, learningRate: number): CriticOptimizer {
  if (kind === 'tfjs-adam') {
    const adam = tf.train.adam(learningRate);
    return {
      apply: (_variables, grads) => adam.applyGradients(grads as Record<string, tf.Variable>),
      dispose: () => adam.dispose(),
    };
  }
  const adamw = new AdamW({ learningRate, weightDecay: 0 });
  return {
    apply: (variables, grads) => adamw.apply(variables, grads),
    dispose: () => adamw.dispose(),
  };
}
