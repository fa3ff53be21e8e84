/**
 * Nested subviews of y (demi.md §3, DESIGN §5's rule applied to coordinates): with M subviews,
 * y(k) = the first ceil(k d / M) coordinates of y, k = 1..M, so y(1) ⊂ y(2) ⊂ ... ⊂ y(M) = y.
 * Level k adds the chunk of coordinates [size(k-1), size(k)).
 */
import { SyntheticError } from '../errors.js';
import { coordinatesMI } from './gaussian.js';

/** sizes[k-1] = |y(k)| = ceil(k d / M). */
export function subviewSizes(dim: number, subviews: number): number[] {
  if (!Number.isInteger(subviews) || subviews < 1) throw new SyntheticError(`subviews: M must be an integer >= 1, got ${subviews}`);
  if (subviews > dim) throw new SyntheticError(`subviews: M = ${subviews} is more than the ${dim} coordinates of y; choose M <= d`);
  return Array.from({ length: subviews }, (_, k) => Math.ceil(((k + 1) * dim) / subviews));
}

/** The true value of every DEMI term: [I(x; y(1)), I(x; y(2) | y(1)), ...], in nats. */
export function trueTerms(dim: number, subviews: number, rho: number): number[] {
  const sizes = subviewSizes(dim, subviews);
  return sizes.map((size, k) => coordinatesMI(size - (k === 0 ? 0 : sizes[k - 1]), rho));
}

/** Copies the first `size` coordinates of each row of a row-major [n, dim] array. */
export function sliceColumns(data: Float32Array, n: number, dim: number, size: number): Float32Array {
  if (size === dim) return data;
  const out = new Float32Array(n * size);
  for (let i = 0; i < n; i++) out.set(data.subarray(i * dim, i * dim + size), i * size);
  return out;
}
