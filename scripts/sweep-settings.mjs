/**
 * The settings list of scripts/sweep-decoding.mjs (`--settings FILE.json`, e.g. configs/decoding-sweep.json):
 * named flag sets of `demi generate`. Shared with the configs test, so a committed list that the sweep
 * would refuse fails there first.
 */

/** The file-name stem of a setting's outputs; two settings with the same stem would overwrite each other. */
export const settingSlug = (name) => name.toLowerCase().replace(/[^a-z0-9]+/g, '-').replace(/^-|-$/g, '');

/** Throws unless `settings` is a non-empty list of {name, flags: string[]} whose names give distinct slugs. */
export function checkSweepSettings(settings, source) {
  const wellFormed = (s) => typeof s?.name === 'string' && Array.isArray(s.flags) && s.flags.every((f) => typeof f === 'string');
  if (!Array.isArray(settings) || settings.length === 0 || !settings.every(wellFormed)) {
    throw new Error(`${source}: expected a non-empty JSON list of {"name": "...", "flags": ["--flag", "value", ...]}`);
  }
  if (new Set(settings.map((s) => settingSlug(s.name))).size !== settings.length) throw new Error(`${source}: two settings have the same name`);
}
