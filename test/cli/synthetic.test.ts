/** `demi synthetic` flag parsing. */
import { parseSyntheticArgs, SYNTHETIC_USAGE } from '../../cli/synthetic-command.js';
import { CliError } from '../../cli/errors.js';

test('flags map onto experiment options', () => {
  const { options, backend, help } = parseSyntheticArgs([
    '--out', 'x/y', '--steps', '50', '--batch', '64', '--mi-values', '2, 4,20', '--estimators', 'infonce,demi-4',
    '--seed', '9', '--lr', '1e-3', '--exact-anchors', '4', '--warmup', '0', '--quiet', '--backend', 'cpu',
  ]);
  expect(options).toEqual({
    out: 'x/y', steps: 50, batch: 64, miValues: [2, 4, 20], estimators: ['infonce', 'demi-4'], seed: 9,
    learningRate: 1e-3, exactAnchors: 4, warmupSteps: 0, progress: false,
  });
  expect(backend).toBe('cpu');
  expect(help).toBe(false);
});

test('defaults: output to runs/synthetic, progress on', () => {
  expect(parseSyntheticArgs([]).options).toEqual({ out: 'runs/synthetic', progress: true });
  expect(parseSyntheticArgs(['-h']).help).toBe(true);
  expect(SYNTHETIC_USAGE).toContain('--mi-values');
});

test('bad flags say what is wrong', () => {
  expect(() => parseSyntheticArgs(['--steps', 'many'])).toThrow(/--steps must be a number/);
  expect(() => parseSyntheticArgs(['--mi-values', '2,x'])).toThrow(CliError);
  expect(() => parseSyntheticArgs(['--bogus'])).toThrow(/see demi synthetic --help/);
});
