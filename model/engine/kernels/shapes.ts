/** Shape arithmetic shared by the native kernels. */
import { tf } from '../tf.js';

export const sizeOf = (shape: number[]) => tf.util.sizeFromShape(shape);

/** Batch handling of a batched matmul: equal batches, or one side with a single matrix (broadcast). */
export function matmulBatch(aShape: number[], bShape: number[]):
  { outBatchShape: number[]; batch: number; strideScaleA: 0 | 1; strideScaleB: 0 | 1 } | null {
  const batchA = aShape.slice(0, -2);
  const batchB = bShape.slice(0, -2);
  const sizeA = sizeOf(batchA);
  const sizeB = sizeOf(batchB);
  const outBatchShape = tf.backend_util.assertAndGetBroadcastShape(batchA, batchB);
  const batch = sizeOf(outBatchShape);
  if (sizeA === batch && sizeB === batch) {
    if (batchA.join() !== batchB.join() && sizeA > 1) return null;
    return { outBatchShape, batch, strideScaleA: 1, strideScaleB: 1 };
  }
  if (sizeA === 1 && sizeB === batch) return { outBatchShape, batch, strideScaleA: 0, strideScaleB: 1 };
  if (sizeB === 1 && sizeA === batch) return { outBatchShape, batch, strideScaleA: 1, strideScaleB: 0 };
  return null;
}

export const enum Layout { Full = 0, Scalar = 1, RowVector = 2, Column = 3 }

/**
 * Describes both operands of a broadcasting binary op as a [rows, cols] problem: each is full,
 * a scalar, a trailing vector repeated over rows, or a leading column repeated over cols.
 * Returns null for other broadcasts (the backend's own kernel handles those).
 */
export function binaryPlan(aShape: number[], bShape: number[]):
  { outShape: number[]; rows: number; cols: number; layoutA: Layout; layoutB: Layout } | null {
  const outShape = tf.backend_util.assertAndGetBroadcastShape(aShape, bShape);
  const outSize = sizeOf(outShape);
  let rows: number | undefined;
  let cols: number | undefined;
  const classify = (shape: number[]): Layout | null => {
    const size = sizeOf(shape);
    if (size === outSize) return Layout.Full;
    if (size === 1) return Layout.Scalar;
    const aligned = [...new Array(outShape.length - shape.length).fill(1), ...shape];
    const firstNonOne = aligned.findIndex((d) => d !== 1);
    const trailing = aligned.every((d, i) => (i < firstNonOne ? d === 1 : d === outShape[i]));
    if (trailing) {
      const c = sizeOf(outShape.slice(firstNonOne));
      if (cols !== undefined && cols !== c) return null;
      cols = c;
      return Layout.RowVector;
    }
    let lastNonOne = aligned.length - 1;
    while (aligned[lastNonOne] === 1) lastNonOne--;
    const leading = aligned.every((d, i) => (i <= lastNonOne ? d === outShape[i] : d === 1));
    if (leading) {
      const r = sizeOf(outShape.slice(0, lastNonOne + 1));
      if (rows !== undefined && rows !== r) return null;
      rows = r;
      return Layout.Column;
    }
    return null;
  };
  const layoutA = classify(aShape);
  const layoutB = classify(bShape);
  if (layoutA === null || layoutB === null) return null;
  if (rows === undefined && cols === undefined) { rows = 1; cols = outSize; }
  else if (rows === undefined) rows = outSize / cols!;
  else if (cols === undefined) cols = outSize / rows;
  if (rows * cols! !== outSize) return null;
  return { outShape, rows, cols: cols!, layoutA, layoutB };
}

/** Contiguous reduction axes as [outer, reduced, inner], or null when the axes are not contiguous. */
export function reductionPlan(shape: number[], axes: number[]): { outer: number; reduced: number; inner: number } | null {
  const sorted = [...axes].sort((x, y) => x - y);
  for (let i = 1; i < sorted.length; i++) if (sorted[i] !== sorted[i - 1] + 1) return null;
  if (sorted.length === 0) return { outer: sizeOf(shape), reduced: 1, inner: 1 };
  const first = sorted[0];
  const last = sorted[sorted.length - 1];
  return {
    outer: sizeOf(shape.slice(0, first)),
    reduced: sizeOf(shape.slice(first, last + 1)),
    inner: sizeOf(shape.slice(last + 1)),
  };
}
