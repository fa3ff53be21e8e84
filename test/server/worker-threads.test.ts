import { threadsPerWorker } from '../../server/worker/worker-pool.js';

test('worker threads in one process split the cores between them instead of each taking all', () => {
  expect(threadsPerWorker(1, 2)).toBe(2);
  expect(threadsPerWorker(2, 2)).toBe(1);
  expect(threadsPerWorker(2, 8)).toBe(4);
  expect(threadsPerWorker(3, 8)).toBe(2);
  expect(threadsPerWorker(4, 2)).toBe(1);
});

test('server processes on one machine (--processes) split the cores too', () => {
  expect(threadsPerWorker(1, 2, 2)).toBe(1);
  expect(threadsPerWorker(2, 8, 2)).toBe(2);
  expect(threadsPerWorker(1, 8, 3)).toBe(2);
  expect(threadsPerWorker(4, 2, 4)).toBe(1);
});
