/**
 * A vision model for one training method: the DIM encoder plus the critics the method needs.
 * - dim-local / dim-global: loss = -(alpha · I_global + beta · I_local) + prior matching (gamma > 0).
 * - infonce / demi: loss = -I_DEMI over M nested subviews (M = 1: InfoNCE).
 * Every variable (encoder, critics, discriminator, BN running statistics) lives in one Params.
 */
import { tf } from '../engine/index.js';
import { SeededRandom } from '../../core/index.js';
import type { NamedArrays } from '../training/index.js';
import { DemiCritic, type Estimator, GlobalDIM, LocalDIM, PriorMatching } from './objectives.js';
import { Encoder, type EncoderConfig } from './encoder.js';
import { Params } from './layers.js';
import type { VisionMethod } from './config.js';

export interface VisionObjectiveConfig {
  estimator: Estimator;
  miUnits: number;
  alpha: number;
  beta: number;
  gamma: number;
  priorHidden: number[];
  gradientPenalty: number;
  /** DEMI subviews M (1 = InfoNCE); unused by DIM. */
  levels: number;
  tau: number;
}

export interface VisionModelConfig {
  method: VisionMethod;
  encoder: EncoderConfig;
  objective: VisionObjectiveConfig;
}

export interface VisionLoss {
  loss: tf.Scalar;
  /** The MI objective being maximised, without the prior terms (the validation loss is -objective). */
  objective: tf.Scalar;
  metrics: Record<string, tf.Scalar>;
}

export class VisionModel {
  readonly params: Params;
  readonly encoder: Encoder;
  readonly local?: LocalDIM;
  readonly global?: GlobalDIM;
  readonly prior?: PriorMatching;
  readonly demi?: DemiCritic;

  /** `init`: a seed for fresh weights, or a checkpoint's arrays. */
  constructor(readonly config: VisionModelConfig, init: number | NamedArrays) {
    this.params = typeof init === 'number' ? new Params(new SeededRandom(init)) : new Params(new SeededRandom(0), init);
    this.encoder = new Encoder(this.params, config.encoder);
    const o = config.objective;
    const units = config.encoder.outputUnits;
    if (config.method === 'dim-local' || config.method === 'dim-global') {
      if (o.beta > 0) this.local = new LocalDIM(this.params, this.encoder.localShape[2], units, o.miUnits);
      if (o.alpha > 0) {
        const upper = this.encoder.blocks.slice(this.encoder.architecture.localIndex + 1);
        this.global = new GlobalDIM(this.params, this.encoder.localShape, upper, units, o.miUnits);
      }
      if (o.gamma > 0) this.prior = new PriorMatching(this.params, units, o.priorHidden);
    } else {
      this.demi = new DemiCritic(this.params, units, o.miUnits, o.tau);
    }
  }

  get variables(): Record<string, tf.Variable> {
    return this.params.variables;
  }

  /** Images stacked per view: DIM takes [N, H, W, C]; infonce/demi take [(M+1)N, ...] = [x; y(1); ...; y(M)]. */
  viewsPerImage(): number {
    return this.demi ? this.config.objective.levels + 1 : 1;
  }

  /**
   * The training loss and logged metrics of a batch of `count` images. `random` (training only)
   * draws the prior samples; without it the prior terms are skipped (validation).
   */
  loss(images: tf.Tensor4D, count: number, options: { training: boolean; random?: SeededRandom }): VisionLoss {
    return tf.tidy(() => {
      const { training, random } = options;
      const o = this.config.objective;
      const features = this.encoder.features(images, training);
      const metrics: Record<string, tf.Scalar> = {};
      if (this.demi) {
        const mi = this.demi.objective(features.y, count, o.levels, training);
        metrics.mi_total = mi.total;
        mi.terms.forEach((t, k) => { metrics[`mi_${k + 1}`] = t; });
        return { loss: tf.neg(mi.total) as tf.Scalar, objective: mi.total, metrics } as unknown as tf.TensorContainer;
      }
      const parts: tf.Scalar[] = [];
      if (this.local) {
        metrics.mi_local = this.local.objective(features.local, features.y, o.estimator, training);
        parts.push(tf.mul(metrics.mi_local, o.beta) as tf.Scalar);
      }
      if (this.global) {
        metrics.mi_global = this.global.objective(features.local, features.y, o.estimator, training);
        parts.push(tf.mul(metrics.mi_global, o.alpha) as tf.Scalar);
      }
      const objective = (parts.length === 1 ? parts[0] : tf.addN(parts)) as tf.Scalar;
      let loss = tf.neg(objective) as tf.Scalar;
      if (this.prior && random) {
        const prior = this.prior.losses(features.y, random, o.gamma, o.gradientPenalty);
        metrics.prior_encoder = prior.encoderLoss;
        metrics.prior_discriminator = prior.discriminatorLoss;
        metrics.prior_gp = prior.gradientPenalty;
        loss = tf.add(loss, prior.loss) as tf.Scalar;
      }
      return { loss, objective, metrics } as unknown as tf.TensorContainer;
    }) as unknown as VisionLoss;
  }

  dispose(): void {
    this.params.dispose();
  }
}
