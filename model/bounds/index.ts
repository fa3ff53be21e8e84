/**
 * MI bounds on score matrices (DESIGN §4). Convention: S[i][j] = critic(x_j, y_i), positives on the
 * diagonal, the other entries of a row are in-batch negatives. Every function returns a scalar,
 * differentiable where it should be, and leaves no tensors behind.
 */
export { infoNCE } from './infonce.js';
export { nwj } from './nwj.js';
export { dv } from './dv.js';
export { MineEMA } from './mine.js';
export { jsd, jsdMI } from './jsd.js';
export { conditionalInfoNCE, conditionalInfoNCEExact, importanceLogWeights, importanceESS } from './conditional.js';
export { demi, type DemiLevel, type DemiResult } from './demi.js';
export { stopGradient } from './stop-gradient.js';
export { diagOf, maskDiag, logMeanExpOffDiag, meanOffDiag, MASK_VALUE } from './matrix.js';
export { BoundsError } from '../errors.js';
export { localJsd, localDv, localInfoNCE, localPositives, checkLocalScores, stableSoftplus } from './local.js';
