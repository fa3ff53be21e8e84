/**
 * The vision objectives: the MI estimators on paired features, DIM's local and global critics,
 * prior matching, and DEMI's critic on nested subviews (docs/ARCHITECTURE.md §9).
 */
import { dv, infoNCE, localDv, localInfoNCE, localJsd, stableSoftplus, stopGradient, demi, type DemiLevel, type DemiResult } from '../bounds/index.js';
import { tf, layerNorm } from '../engine/index.js';
import { VisionError } from '../errors.js';
import { BatchNorm, Dense, constant, noisyIdentity, type Params, LayerStack, type BlockSpec, type FeatureShape } from './layers.js';
import type { SeededRandom } from '../../core/index.js';

export type Estimator = 'jsd' | 'infonce' | 'dv';
export const ESTIMATORS: Estimator[] = ['jsd', 'infonce', 'dv'];

function check(estimator: string): asserts estimator is Estimator {
  if (!(ESTIMATORS as string[]).includes(estimator)) throw new VisionError(`unknown estimator '${estimator}': choose one of ${ESTIMATORS.join(', ')}`);
}

export function pairEstimate(estimator: Estimator, scores: tf.Tensor2D): tf.Scalar {
  check(estimator);
  // JSD via the L = 1 local form (the same value as bounds' jsd) for its NaN-free softplus gradient.
  if (estimator === 'jsd') return tf.tidy(() => localJsd(tf.expandDims(scores, 2) as tf.Tensor3D));
  return estimator === 'infonce' ? infoNCE(scores) : dv(scores);
}

export function localEstimate(estimator: Estimator, scores: tf.Tensor3D): tf.Scalar {
  check(estimator);
  return estimator === 'jsd' ? localJsd(scores) : estimator === 'infonce' ? localInfoNCE(scores) : localDv(scores);
}

// ---- mi embedder

/**
 * DIM's score-space embedder `MI1x1ConvNet` (docs/ARCHITECTURE.md §9), the "encode" half of the
 * encode-and-dot-product critic, on feature vectors [R, in] (a local map is reshaped to
 * [N·M², C] first: a 1x1 convolution is a Dense on the channel axis):
 *   h = LayerNorm( Linear(U)(ReLU(BN(Linear(U, no bias)(x)))) + Linear(U, no bias, noisy identity)(x) )
 * mi_units U: 2048 in the paper's code; 512 by default here for CPU budgets.
 */
export class MIEmbedder {
  private readonly hidden: Dense;
  private readonly norm: BatchNorm;
  private readonly out: Dense;
  private readonly shortcut: Dense;
  private readonly lnGamma: tf.Variable;
  private readonly lnBeta: tf.Variable;

  constructor(params: Params, name: string, readonly inUnits: number, readonly units: number) {
    this.hidden = new Dense(params, `${name}.block.0`, inUnits, units, { bias: false });
    this.norm = new BatchNorm(params, `${name}.block.1`, units);
    this.out = new Dense(params, `${name}.block.3`, units, units);
    this.shortcut = new Dense(params, `${name}.shortcut`, inUnits, units, { bias: false, init: noisyIdentity(params.random, inUnits, units) });
    this.lnGamma = params.add(`${name}.ln.weight`, [units], constant(units, 1));
    this.lnBeta = params.add(`${name}.ln.bias`, [units], constant(units, 0));
  }

  /** [R, in] -> [R, U]. */
  apply(x: tf.Tensor2D, training: boolean): tf.Tensor2D {
    return tf.tidy(() => {
      const h = this.out.apply(tf.relu(this.norm.apply(this.hidden.apply(x), training)));
      return layerNorm(tf.add(h, this.shortcut.apply(x)), this.lnGamma, this.lnBeta, 1e-5) as tf.Tensor2D;
    });
  }
}

// ---- local dim

/**
 * Local DIM (Hjelm et al. 2019, Eq. 6): the encode-and-dot-product critic between every local
 * feature vector C^(l)(x_j) and the global Y(x_i):
 *   u[i][j][l] = < G(Y_i), L(C^(l)(x_j)) >,   shape [N, N, M²], one matmul,
 * with G and L two MI1x1ConvNet embedders into mi_units dimensions. Positives: i == j at every
 * location; negatives: all locations of the other images in the batch.
 */
export class LocalDIM {
  readonly localNet: MIEmbedder;
  readonly globalNet: MIEmbedder;

  constructor(params: Params, localChannels: number, globalUnits: number, miUnits: number, name = 'local_dim') {
    this.localNet = new MIEmbedder(params, `${name}.local`, localChannels, miUnits);
    this.globalNet = new MIEmbedder(params, `${name}.global`, globalUnits, miUnits);
  }

  /** Scores [N, N, L] of local maps [N, M, M, C] against globals [N, D]. */
  scores(local: tf.Tensor4D, y: tf.Tensor2D, training: boolean): tf.Tensor3D {
    return tf.tidy(() => {
      const [n, h, w, c] = local.shape;
      const l = this.localNet.apply(tf.reshape(local, [n * h * w, c]) as tf.Tensor2D, training);
      const g = this.globalNet.apply(y, training);
      return tf.reshape(tf.matMul(g, l, false, true), [n, n, h * w]) as tf.Tensor3D;
    });
  }

  /** The local MI estimate (1/M²) sum_l I(C^(l)(X); Y), to maximise. */
  objective(local: tf.Tensor4D, y: tf.Tensor2D, estimator: Estimator, training: boolean): tf.Scalar {
    return tf.tidy(() => localEstimate(estimator, this.scores(local, y, training)));
  }
}

// ---- global dim

/**
 * Global DIM (docs/ARCHITECTURE.md §9, the newest official `GlobalDIM`): an encode-and-dot-product critic
 * between the whole local feature map of image j and the global Y of image i,
 *   S[i][j] = < G(Y_i), F(C(x_j)) >,
 * F = a fresh copy of the encoder's blocks after the local map (basic32x32: conv 256 -> flatten ->
 * fc 1024, each with BN and ReLU) followed by Linear(mi_units); G = an MI1x1ConvNet on Y.
 * Negatives: the other images of the batch (N x N, positives on the diagonal).
 */
export class GlobalDIM {
  readonly mapNet: LayerStack;
  readonly mapOut: Dense;
  readonly globalNet: MIEmbedder;

  constructor(params: Params, localShape: FeatureShape, upperBlocks: BlockSpec[], globalUnits: number, miUnits: number, name = 'global_dim') {
    this.mapNet = new LayerStack(params, `${name}.map`, localShape, upperBlocks);
    this.mapOut = new Dense(params, `${name}.map.out`, this.mapNet.outShape()[0], miUnits);
    this.globalNet = new MIEmbedder(params, `${name}.global`, globalUnits, miUnits);
  }

  /** S[i][j] = critic(map of image j, Y of image i), [N, N]. */
  scores(local: tf.Tensor4D, y: tf.Tensor2D, training: boolean): tf.Tensor2D {
    return tf.tidy(() => {
      const outs = this.mapNet.apply(local, training);
      const f = this.mapOut.apply(outs[outs.length - 1]) as tf.Tensor2D;
      const g = this.globalNet.apply(y, training);
      return tf.matMul(g, f, false, true) as tf.Tensor2D;
    });
  }

  objective(local: tf.Tensor4D, y: tf.Tensor2D, estimator: Estimator, training: boolean): tf.Scalar {
    return tf.tidy(() => pairEstimate(estimator, this.scores(local, y, training)));
  }
}

// ---- prior matching

/**
 * DIM's prior matching (docs/ARCHITECTURE.md §9): a discriminator D (Linear 1000 - ReLU - Linear 200 - ReLU -
 * Linear 1, no BN) tells samples of the prior V = Uniform[0, 1]^64 from sigmoid(Y).
 *   discriminator loss  = mean softplus(-D(z)) + mean softplus(D(sigmoid(Y)))            (GAN measure)
 *                        + w_gp · 0.5 · mean_n (||∇_z D(z_n)||² + ||∇ D(sigmoid(Y_n))||²)  (Mescheder/Roth penalty, whole batch)
 *   encoder loss        = gamma · mean softplus(-D(sigmoid(Y)))                          (non-saturating)
 * DIM steps the discriminator and the encoder with separate optimizers on their own losses. Here
 * both losses are summed into the one training loss with stop-gradients so each part only moves
 * its own side: the encoder term sees D's weights as constants and the discriminator terms see
 * sigmoid(Y) as a constant. Adam's moments are per parameter, so this equals two Adams on the same
 * schedule (only global-norm clipping, if on, couples them).
 *
 * The gradient penalty needs second-order gradients (a gradient w.r.t. the input, differentiated
 * w.r.t. D's weights); TF.js's tape supports that for MatMul/ReLU/Add (checked in the tests).
 */
export interface PriorMatchingOutput {
  /** Encoder loss + discriminator loss (each moving only its own parameters). */
  loss: tf.Scalar;
  encoderLoss: tf.Scalar;
  discriminatorLoss: tf.Scalar;
  gradientPenalty: tf.Scalar;
}

export class PriorMatching {
  readonly layers: Dense[];

  constructor(params: Params, readonly units: number, hidden: number[] = [1000, 200], name = 'prior.discriminator') {
    const sizes = [units, ...hidden, 1];
    this.layers = sizes.slice(1).map((out, i) => new Dense(params, `${name}.${i}`, sizes[i], out));
  }

  /** D(v) as [N]; with `frozen`, D's weights carry no gradient. */
  score(v: tf.Tensor2D, frozen = false): tf.Tensor1D {
    return tf.tidy(() => {
      let h: tf.Tensor = v;
      this.layers.forEach((layer, i) => {
        const w = frozen ? stopGradient(layer.weight) : layer.weight;
        const b = frozen ? stopGradient(layer.bias!) : layer.bias!;
        h = tf.add(tf.matMul(h as tf.Tensor2D, w as tf.Tensor2D), b);
        if (i < this.layers.length - 1) h = tf.relu(h);
      });
      return tf.reshape(h, [-1]) as tf.Tensor1D;
    });
  }

  /** mean_n ||∇_v D(v_n)||², differentiable w.r.t. D's weights. */
  private inputGradientNorm(v: tf.Tensor2D): tf.Scalar {
    const grad = tf.grad((input: tf.Tensor) => tf.sum(this.score(input as tf.Tensor2D)))(v);
    return tf.mean(tf.sum(tf.square(grad), 1)) as tf.Scalar;
  }

  losses(y: tf.Tensor2D, random: SeededRandom, gamma: number, penaltyWeight: number): PriorMatchingOutput {
    return tf.tidy(() => {
      const [n, d] = y.shape;
      // sigmoid as (1 + tanh(y/2)) / 2: finite everywhere whatever the backend's Sigmoid does in the tails
      const fake = tf.mul(tf.add(tf.tanh(tf.mul(y, 0.5)), 1), 0.5) as tf.Tensor2D;
      const prior = tf.tensor2d(random.uniformArray(n * d), [n, d]);
      const encoderLoss = tf.mul(tf.mean(stableSoftplus(tf.neg(this.score(fake, true)))), gamma) as tf.Scalar;
      const fakeConst = stopGradient(fake);
      const ganLoss = tf.add(tf.mean(stableSoftplus(tf.neg(this.score(prior)))), tf.mean(stableSoftplus(this.score(fakeConst))));
      const gradientPenalty = penaltyWeight > 0
        ? tf.mul(tf.add(this.inputGradientNorm(prior), this.inputGradientNorm(fakeConst)), 0.5) as tf.Scalar
        : tf.scalar(0);
      const discriminatorLoss = tf.add(ganLoss, tf.mul(gradientPenalty, penaltyWeight)) as tf.Scalar;
      return { loss: tf.add(encoderLoss, discriminatorLoss) as tf.Scalar, encoderLoss, discriminatorLoss, gradientPenalty };
    });
  }
}

// ---- demi critic

/**
 * DEMI on images (docs/ARCHITECTURE.md §9): view x and M nested subviews y(1) ⊂ ... ⊂ y(M) = y of a
 * second augmented view, all through the same encoder. The critic is separable:
 *   S_k[i][j] = < f(x_j), g(y_i(k)) > / tau,
 * f and g MI1x1ConvNet embedders of Y, L2-normalised. The chain rule
 *   I(x; y) = I(x; y(1)) + sum_{k>=2} I(x; y(k) | y(k-1))
 * is estimated with demi(): InfoNCE for the first term and importance-weighted conditional InfoNCE
 * for the others, the weights coming from the previous level's scores S_{k-1} (no gradient).
 * M = 1 is the InfoNCE (two-view contrastive) baseline.
 */
function normalize(z: tf.Tensor2D): tf.Tensor2D {
  return tf.div(z, tf.sqrt(tf.add(tf.sum(tf.square(z), 1, true), 1e-8))) as tf.Tensor2D;
}

export class DemiCritic {
  readonly f: MIEmbedder;
  readonly g: MIEmbedder;

  constructor(params: Params, globalUnits: number, miUnits: number, readonly tau: number, name = 'demi') {
    this.f = new MIEmbedder(params, `${name}.f`, globalUnits, miUnits);
    this.g = new MIEmbedder(params, `${name}.g`, globalUnits, miUnits);
  }

  /**
   * Score matrices of each level from Y of the views stacked as [x; y(1); ...; y(M)] ([(M+1)N, D]).
   * All views go through each embedder in one batch.
   */
  scores(y: tf.Tensor2D, count: number, levels: number, training: boolean): tf.Tensor2D[] {
    return tf.tidy(() => {
      const fx = normalize(this.f.apply(tf.slice(y, [0, 0], [count, -1]), training));
      const gy = normalize(this.g.apply(tf.slice(y, [count, 0], [levels * count, -1]), training));
      return Array.from({ length: levels }, (_, k) =>
        tf.div(tf.matMul(tf.slice(gy, [k * count, 0], [count, -1]), fx, false, true), this.tau) as tf.Tensor2D);
    });
  }

  /** The DEMI estimate (total and terms) for stacked Y. */
  objective(y: tf.Tensor2D, count: number, levels: number, training: boolean): DemiResult {
    return tf.tidy(() => {
      const s = this.scores(y, count, levels, training);
      const chain: DemiLevel[] = s.map((scores, k) => (k === 0 ? { scores } : { scores, logWeights: s[k - 1] }));
      return demi(chain) as unknown as tf.TensorContainer;
    }) as unknown as DemiResult;
  }
}
