// The "what if" panel: applies ring changes to a copy of the live ring in the browser (wasm core),
// draws the result with the moving space highlighted, and reports the exact moved fraction.

import { sharesOf, positionOf } from './core.js';
import { colours, flows, fractionOf, movedPieces, normaliseArcs, ownerAt, percent } from './ring-math.js';
import { renderRing } from './ring-view.js';

const $ = (id) => document.getElementById(id);

export class WhatIf {
  /** `core`: the package module; `base`: the live wasm Ring; `userKey()`: the signed-in user or null. */
  constructor(core, base, userKey) {
    this.core = core;
    this.base = base;
    this.userKey = userKey;
    this.after = null;
    this.steps = [];
    this.form = $('wi-op').form;
    this.form.addEventListener('submit', (e) => { e.preventDefault(); this.apply(); });
    $('wi-op').addEventListener('change', () => this.prefill());
    $('wi-name').addEventListener('input', () => this.prefillWeight());
    $('wi-reset').addEventListener('click', () => this.reset());
    this.reset();
    $('wi-apply').disabled = false;
  }

  /** The ring the next change applies to. */
  current() { return this.after || this.base; }

  names() { return sharesOf(this.current()).map((s) => s.name); }

  prefill() {
    const op = $('wi-op').value;
    const names = this.names();
    $('wi-names').replaceChildren(...names.map((n) => Object.assign(document.createElement('option'), { value: n })));
    if (op === 'add') {
      let i = names.length;
      while (names.includes(`shard-${i}`)) i += 1;
      $('wi-name').value = `shard-${i}`;
      $('wi-weight').value = '1';
    } else if (!names.includes($('wi-name').value)) {
      $('wi-name').value = names[names.length - 1] || '';
    }
    $('wi-weight-field').hidden = op === 'remove';
    if (op === 'weight') this.prefillWeight();
  }

  prefillWeight() {
    if ($('wi-op').value !== 'weight') return;
    const s = sharesOf(this.current()).find((x) => x.name === $('wi-name').value);
    if (s) $('wi-weight').value = String(s.weight);
  }

  reset() {
    this.after?.free?.();
    this.after = null;
    this.steps = [];
    const out = $('wi-result');
    out.textContent = 'No change yet: pick one and preview it.';
    out.removeAttribute('data-moved');
    out.classList.remove('error');
    $('wi-view').hidden = true;
    this.prefill();
  }

  apply() {
    const op = $('wi-op').value;
    const name = $('wi-name').value.trim();
    const weight = Number($('wi-weight').value);
    const out = $('wi-result');
    const next = this.current().clone();
    try {
      if (op === 'add') next.add({ name, weight });
      else if (op === 'remove') next.remove(name);
      else next.setWeight(name, weight);
    } catch (e) {
      next.free?.();
      out.classList.add('error');
      out.textContent = `That change is not possible: ${e.message}${e.code ? ` (${e.code})` : ''}.`;
      return;
    }
    this.after?.free?.();
    this.after = next;
    this.steps.push(op === 'add' ? `add ${name} (weight ${weight})` : op === 'remove' ? `remove ${name}` : `${name} weight → ${weight}`);
    this.show();
    this.prefill();
  }

  show() {
    const moved = this.core.Ring.movedFraction(this.base, this.after);
    const before = normaliseArcs(this.base.arcs());
    const after = normaliseArcs(this.after.arcs());
    const pieces = movedPieces(before, after);
    const baseShares = sharesOf(this.base);
    const afterShares = sharesOf(this.after);
    const palette = colours([...baseShares.map((s) => s.name), ...afterShares.map((s) => s.name)]);

    const out = $('wi-result');
    out.classList.remove('error');
    out.dataset.moved = String(moved);
    out.replaceChildren(
      document.createTextNode(`${this.steps.join(', then ')}: `),
      Object.assign(document.createElement('strong'), { id: 'wi-moved', textContent: percent(moved) }),
      document.createTextNode(` of the hash space would move (epoch ${this.base.epoch} → ${this.after.epoch}).`),
    );

    const user = this.userKey();
    let marker = null;
    const centre = [`epoch ${this.after.epoch}`];
    if (user) {
      const pos = positionOf(this.after, user);
      const from = ownerAt(before, pos);
      const to = this.after.locate(user);
      marker = { fraction: fractionOf(pos), label: `${user} would be placed on ${to}` };
      centre.push(user, from === to ? `stays on ${to}` : `${from} → ${to}`);
    }
    renderRing($('whatif-svg'), { arcs: after, shares: afterShares, palette, moved: pieces, marker, centre, title: 'What-if ring' });

    const rows = flows(pieces).map((f) => {
      const tr = document.createElement('tr');
      for (const v of [f.from, f.to, percent(fractionOf(f.len))]) tr.append(Object.assign(document.createElement('td'), { textContent: v }));
      return tr;
    });
    if (!rows.length) {
      const tr = document.createElement('tr');
      tr.append(Object.assign(document.createElement('td'), { colSpan: 3, textContent: 'Nothing moves.' }));
      rows.push(tr);
    }
    $('flows').tBodies[0].replaceChildren(...rows);
    $('wi-view').hidden = false;
  }
}
