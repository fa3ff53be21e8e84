/**
 * Tests that need something a machine may lack (a tool, a data set). Locally such a test is skipped
 * with its reason in the title; with DEMI_REQUIRE_ALL=1 (set by .ci/run) a skip is a failure that
 * says what is missing, so CI cannot go green on a suite that did not run.
 *
 * The rule for spm_train, one for the whole suite: it is never optional. Many suites train a toy
 * tokenizer through helpers, so a machine without it cannot run the suite; every test that needs it
 * fails with the same reason (`SPM_TRAIN` here, `toyTokenizer` in the helpers), with or without
 * DEMI_REQUIRE_ALL. Data sets (Fashion-MNIST) and servers the tests start (redis-server) are optional
 * locally and required in CI.
 */
import { spawnSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import { join } from 'node:path';

/** Something a test needs: whether this machine has it, and what to do where it does not. */
export interface Requirement {
  available: boolean;
  reason: string;
  /** Never skipped, even without DEMI_REQUIRE_ALL: a missing one fails its tests with the reason. */
  always?: boolean;
}

export const requireAll = (requirement?: Requirement): boolean => process.env.DEMI_REQUIRE_ALL === '1' || requirement?.always === true;

type TestFn = (name: string, fn: jest.ProvidesCallback, timeout?: number) => void;
type DescribeFn = (name: string, fn: () => void) => void;

function missing(reason: string): never {
  throw new Error(`this test cannot run: ${reason}`);
}

/** `test` where the requirement holds; otherwise a skip (locally) or a failing test (DEMI_REQUIRE_ALL=1). */
export function testIf(requirement: Requirement): TestFn {
  if (requirement.available) return test;
  if (requireAll(requirement)) return (name) => test(name, () => missing(requirement.reason));
  return (name, fn, timeout) => test.skip(`${name} [skipped: ${requirement.reason}]`, fn, timeout);
}

/** `describe` where the requirement holds; otherwise a skipped block or one failing test, as `testIf`. */
export function describeIf(requirement: Requirement): DescribeFn {
  if (requirement.available) return describe;
  if (requireAll(requirement)) return (name) => describe(name, () => test('has what it needs', () => missing(requirement.reason)));
  return (name, fn) => describe.skip(`${name} [skipped: ${requirement.reason}]`, fn);
}

/** For helpers that run inside a test: fails with the requirement's reason instead of a stranger error later. */
export function assertAvailable(requirement: Requirement): void {
  if (!requirement.available) throw new Error(requirement.reason);
}

export const SPM_TRAIN: Requirement = {
  available: spawnSync('spm_train', ['--version']).error === undefined,
  reason: 'spm_train is not on PATH (apt-get install sentencepiece)',
  always: true,
};

/** Debian's redis-server (which .ci/run installs): the --redis tests start their own on a free port. */
export const REDIS_SERVER: Requirement = {
  available: spawnSync('redis-server', ['--version']).error === undefined,
  reason: 'redis-server is not on PATH (apt-get install redis-server)',
};

/** Debian's dataset-fashion-mnist (which .ci/run installs), or the folder DEMI_FASHION_MNIST names. */
export function fashionMnist(debianDir = '/usr/share/datasets/fashion-mnist'): Requirement & { dir: string } {
  const dir = [process.env.DEMI_FASHION_MNIST, debianDir]
    .find((d): d is string => d !== undefined && existsSync(join(d, 't10k-images-idx3-ubyte.gz')));
  return {
    available: dir !== undefined,
    dir: dir ?? debianDir,
    reason: `no Fashion-MNIST at ${process.env.DEMI_FASHION_MNIST ?? debianDir} (apt-get install dataset-fashion-mnist, or set DEMI_FASHION_MNIST)`,
  };
}
