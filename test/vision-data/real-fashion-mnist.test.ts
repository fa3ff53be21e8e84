/**
 * Real Fashion-MNIST, where this machine has it (Debian's dataset-fashion-mnist package, which .ci/run
 * installs, or the folder DEMI_FASHION_MNIST names); skipped elsewhere, a failure under DEMI_REQUIRE_ALL=1.
 */
import { DEBIAN_FASHION_MNIST_DIR, classCounts, loadFashionMnist } from '../../data/vision/index.js';
import { describeIf, fashionMnist } from '../helpers/optional.js';

const data = fashionMnist(DEBIAN_FASHION_MNIST_DIR);
const dir = data.dir;

describeIf(data)(`real Fashion-MNIST (${dir})`, () => {
  it('has 60,000 train and 10,000 test 28x28 images, 6,000 / 1,000 per class', async () => {
    for (const [split, count] of [['train', 60000], ['test', 10000]] as const) {
      const set = await loadFashionMnist({ split, dir, download: false });
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
