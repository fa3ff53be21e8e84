/**
 * MI bounds on score matrices (docs/ARCHITECTURE.md §4). Convention: S[i][j] = critic(x_j, y_i),
 * positives on the diagonal, the other entries of a row are in-batch negatives. Every function
 * returns a scalar, differentiable where it should be, and leaves no tensors behind.
 */
export {
  infoNCE, nwj, dv, MineEMA, jsd, jsdMI, stopGradient, diagOf, maskDiag, logMeanExpOffDiag, meanOffDiag, MASK_VALUE,
} from './bounds.js';
export {
  demi, conditionalInfoNCE, conditionalInfoNCEExact, importanceLogWeights, importanceESS, type DemiLevel, type DemiResult,
} from './demi.js';
export { localJsd, localDv, localInfoNCE, localPositives, checkLocalScores, stableSoftplus } from './local.js';
export { BoundsError } from '../errors.js';
