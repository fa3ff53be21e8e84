// Model facts from GET /health, shown in the settings panel; polls while the model loads.

const numberFormat = new Intl.NumberFormat('en');

export async function fetchHealth() {
  try {
    const response = await fetch('/health', { cache: 'no-store' });
    const body = await response.json();
    return { ok: response.ok, body };
  } catch {
    return { ok: false, body: { status: 'offline' } };
  }
}

/** Calls `onUpdate(health)` now and whenever the status changes; polls every 2 s until ready. */
export function watchHealth(onUpdate) {
  let last = '';
  let stopped = false;
  const poll = async () => {
    if (stopped) return;
    const health = await fetchHealth();
    const key = `${health.ok}:${health.body.status}`;
    if (key !== last) {
      last = key;
      onUpdate(health);
    }
    setTimeout(poll, health.ok ? 30000 : 2000);
  };
  void poll();
  return () => { stopped = true; };
}

/** Fills the <dl> of model facts and the licence notes. */
export function renderModelInfo(health, { facts, license, licenseNote }) {
  const rows = [];
  const b = health.body;
  if (!health.ok || !b.model) {
    rows.push(['Status', b.status === 'loading' ? 'Loading the model…' : b.status === 'error' ? 'Failed to load' : 'Unavailable']);
  } else {
    const m = b.model;
    rows.push(['Model', m.id]);
    rows.push(['Parameters', numberFormat.format(m.parameters)]);
    rows.push(['Layers × width', `${m.architecture.nLayer} × ${m.architecture.dModel}`]);
    rows.push(['Context', `${m.architecture.blockSize} tokens`]);
    rows.push(['Tokenizer', m.tokenizer]);
    rows.push(['DEMI critic', m.demiCritic ? 'yes' : 'no']);
    const threads = b.backend.threads ? `, ${b.backend.threads} thread${b.backend.threads === 1 ? '' : 's'}` : '';
    rows.push(['Backend', b.backend.name + (b.backend.nativeKernels ? ` (native kernels${threads})` : '')]);
    if (b.runtime?.name === 'onnx') rows.push(['Decoding', `onnxruntime ${b.runtime.onnxruntime}`]);
  }
  facts.replaceChildren(...rows.map(([term, value]) => {
    const row = document.createElement('div');
    const dt = document.createElement('dt');
    const dd = document.createElement('dd');
    dt.textContent = term;
    dd.textContent = value;
    row.append(dt, dd);
    return row;
  }));
  const text = b.model?.license;
  license.hidden = !text;
  license.textContent = text ?? '';
  licenseNote.hidden = !text;
  licenseNote.textContent = text ? shortLicense(text) : '';
}

/** The licence note for the line under the composer (the panel shows it whole). */
function shortLicense(text) {
  return text.length > 140 ? `${text.slice(0, 137)}…` : text;
}
