// Decoding settings (temperature, top-p, max tokens, seed, DEMI rerank): a form in the settings
// panel, kept in localStorage, turned into the `params` of chat:send.

const STORAGE_KEY = 'demi.settings.v1';
// The page's own defaults. Temperature, top-p and whether the critic chooses are the server's
// (fetchServerDefaults), so that the page and the API decode alike; max tokens becomes the model's
// once /health names it.
const PAGE_DEFAULTS = { maxTokens: 64, seed: '' };
/** Candidates when the server's default is off but the critic is asked to choose (the server's own default count). */
const RERANK_CANDIDATES = 8;

/**
 * The server's decoding defaults (GET /params). Retried while the server cannot be reached: the page
 * has nothing to send without it anyway.
 */
export async function fetchServerDefaults() {
  for (;;) {
    try {
      const response = await fetch('/params', { cache: 'no-store' });
      if (response.ok) return (await response.json()).defaults;
    } catch {
      // offline or restarting: try again shortly
    }
    await new Promise((resolve) => setTimeout(resolve, 2000));
  }
}

export class Settings {
  constructor(form, serverDefaults) {
    this.form = form;
    this.temperature = form.querySelector('#temperature');
    this.topP = form.querySelector('#top-p');
    this.maxTokens = form.querySelector('#max-tokens');
    this.seed = form.querySelector('#seed');
    this.rerank = form.querySelector('#rerank');
    // rerank is unknown until the server has loaded its model: then the model's critic decides (setModelLimits)
    const rerank = serverDefaults.rerank;
    this.defaults = { ...PAGE_DEFAULTS, temperature: serverDefaults.temperature, topP: serverDefaults.topP, rerank: rerank === undefined ? undefined : rerank > 1 };
    this.candidates = rerank > 1 ? rerank : RERANK_CANDIDATES;
    form.querySelector('#rerank-help').textContent = `Samples ${this.candidates} replies and keeps the one the model's DEMI critic finds most related to the conversation. The reply then appears whole instead of word by word.`;
    this.load();
    form.addEventListener('input', () => {
      this.render();
      this.save();
    });
    form.addEventListener('submit', (event) => event.preventDefault());
  }

  /** Adopts the model's limits: the default and largest max tokens, and whether it has a critic to rerank with. */
  setModelLimits({ maxResponseTokens, maxTokensLimit, demiCritic }) {
    this.rerank.disabled = !demiCritic;
    if (this.defaults.rerank === undefined) {
      this.defaults.rerank = demiCritic;
      if (this.stored?.rerank === undefined) this.rerank.checked = demiCritic;
    }
    if (!demiCritic) this.rerank.checked = false;
    this.maxTokens.max = String(maxTokensLimit);
    this.defaults.maxTokens = maxResponseTokens;
    if (!this.stored?.maxTokens) this.maxTokens.value = String(maxResponseTokens);
    if (Number(this.maxTokens.value) > maxTokensLimit) this.maxTokens.value = String(maxTokensLimit);
  }

  /** chat:send params from the form (invalid numbers fall back to defaults). */
  params() {
    const number = (input, fallback) => {
      const value = Number(input.value);
      return input.value !== '' && Number.isFinite(value) ? value : fallback;
    };
    const max = Number(this.maxTokens.max) || Infinity;
    const params = {
      temperature: clamp(number(this.temperature, this.defaults.temperature), 0, 2),
      topP: clamp(number(this.topP, this.defaults.topP), 0.05, 1),
      maxTokens: Math.round(clamp(number(this.maxTokens, this.defaults.maxTokens), 1, max)),
    };
    const seed = this.seed.value.trim();
    if (seed !== '' && Number.isInteger(Number(seed))) params.seed = Number(seed);
    // Always explicit, so that the page decodes as its settings say whatever the server's default.
    // Reranking chooses among sampled replies; at temperature 0 there is only one.
    params.rerank = this.rerank.checked && !this.rerank.disabled && params.temperature > 0 ? this.candidates : 0;
    return params;
  }

  reset() {
    this.temperature.value = String(this.defaults.temperature);
    this.topP.value = String(this.defaults.topP);
    this.maxTokens.value = String(this.defaults.maxTokens);
    this.seed.value = '';
    this.rerank.checked = this.defaults.rerank && !this.rerank.disabled;
    this.stored = undefined;
    localStorage.removeItem(STORAGE_KEY);
    this.render();
  }

  render() {
    this.form.querySelector('#temperature-value').textContent = Number(this.temperature.value).toFixed(2);
    this.form.querySelector('#top-p-value').textContent = Number(this.topP.value).toFixed(2);
  }

  load() {
    try {
      this.stored = JSON.parse(localStorage.getItem(STORAGE_KEY) ?? 'null') ?? undefined;
    } catch {
      this.stored = undefined;
    }
    const s = { ...this.defaults, ...(this.stored ?? {}) };
    this.temperature.value = String(s.temperature);
    this.topP.value = String(s.topP);
    this.maxTokens.value = String(s.maxTokens);
    this.seed.value = String(s.seed ?? '');
    this.rerank.checked = s.rerank === true;
    this.render();
  }

  save() {
    this.stored = { temperature: this.temperature.value, topP: this.topP.value, maxTokens: this.maxTokens.value, seed: this.seed.value, rerank: this.rerank.checked };
    try {
      localStorage.setItem(STORAGE_KEY, JSON.stringify(this.stored));
    } catch {
      // storage may be unavailable (private mode): settings then last for this page only
    }
  }
}

function clamp(value, lo, hi) {
  return Math.min(hi, Math.max(lo, value));
}
