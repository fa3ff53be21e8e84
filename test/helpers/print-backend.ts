/** Prints the engine that selectBackend() picks in a fresh process (used by test/engine/backend.test.ts). */
import { selectBackend } from '../../model/engine/index.js';

const info = await selectBackend();
console.log(JSON.stringify({ env: process.env.OPENBLAS_CORETYPE ?? null, info }));
