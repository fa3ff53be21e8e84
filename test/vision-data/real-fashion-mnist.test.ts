/**
 * Real Fashion-MNIST, where this machine has it (../shared/data/vision/fashion-mnist, or Debian's
 * dataset-fashion-mnist package); skipped elsewhere.
 */
import { existsSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { DEBIAN_FASHION_MNIST_DIR, classCounts, loadFashionMnist } from '../../data/vision/index.js';

const shared = join(dirname(fileURLToPath(import.meta.url)), '..', '..', '..', 'shared', 'data', 'vision', 'fashion-mnist');
const dir = [shared, DEBIAN_FASHION_MNIST_DIR].find((d) => existsSync(join(d, 't10k-images-idx3-ubyte.gz')));

(dir ? describe : describe.skip)(`real Fashion-MNIST (${dir ?? 'not on this machine'})`, () => {
  it('has 60,000 train and 10,000 test 28x28 images, 6,000 / 1,000 per class', async () => {
    for (const [split, count] of [['train', 60000], ['test', 10000]] as const) {
      const set = await loadFashionMnist({ split, dir: dir!, download: false });
      expect([set.count, set.height, set.width, set.channels]).toEqual([count, 28, 28, 1]);
      expect([...classCounts(set).values()]).toEqual(new Array(10).fill(count / 10));
      expect(set.classNames?.[0]).toBe('T-shirt/top');
      // not all black: real pixels
      let sum = 0;
      for (let i = 0; i < 784 * 100; i++) sum += set.images[i];
      expect(sum / (784 * 100)).toBeGreaterThan(30);
    }
  });
});
