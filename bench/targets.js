'use strict'
// The targets of issues 4 and 11, judged from one run's results. Each: { target, measured, pass }.
// `pass` is null when the section was not run.

const find = (results, section, name) => ((results.sections[section] || []).find((w) => w.name === name) || null)
const x = (ratio) => ratio.toFixed(2) + '×'

function evaluateTargets(results) {
  const targets = []
  const add = (target, measured, pass) => targets.push({ target, measured, pass })

  // Issue 11: both fresh (each workload in its own process) and after the mixed prelude.
  for (const [section, when] of [['parser', 'fresh'], ['mixed', 'after the mixed prelude']]) {
    const ratio = (name) => {
      const w = find(results, section, name)
      return w ? w.contenders.esp.ratio : null
    }
    for (const name of ['openai-1k', 'openai-7b', 'tiny-1k']) {
      const r = ratio(name)
      add('Parser ≥ 1.20× eventsource-parser, ' + name + ', ' + when, r === null ? 'not run' : x(r), r === null ? null : r >= 1.2)
    }
    for (const name of ['cjk-1k', 'line-4m', 'line-8m']) {
      const r = ratio(name)
      add('Parser ≥ 1.00× eventsource-parser, ' + name + ', ' + when, r === null ? 'not run' : x(r), r === null ? null : r >= 1.0)
    }
  }
  const linearity = results.linearity
  if (linearity) {
    const { own, esp } = linearity.parsers
    add('Parser 8 MB ÷ 4 MB line time ≤ 2.2 (linear = 2.0)', own.ratio.toFixed(2) + ' (eventsource-parser ' + esp.ratio.toFixed(2) + ')', own.ratio <= 2.2)
  } else add('Parser 8 MB ÷ 4 MB line time ≤ 2.2 (linear = 2.0)', 'not run', null)

  const decoder = results.sections.decoder
  if (decoder) {
    const ratios = decoder.map((w) => [w.name, w.contenders.shim.ratio])
    const worst = ratios.reduce((a, b) => (b[1] < a[1] ? b : a))
    add(
      'Own decoder ≥ 3× text-encoding-shim + carry throughput, every workload',
      'lowest ' + x(worst[1]) + ' (' + worst[0] + '); ' + ratios.map(([n, r]) => n + ' ' + x(r)).join(', '),
      worst[1] >= 3
    )
  } else add('Own decoder ≥ 3× text-encoding-shim + carry throughput, every workload', 'not run', null)

  const correctness = results.correctness
  if (correctness) {
    const cases = correctness.cases.map((c) => c.name)
    const bad = (name, verdicts) => cases.filter((c) => verdicts.includes(correctness.contenders[name].cases[c]))
    const shimThrows = bad('shim', ['throws']).concat(bad('shim-raw', ['throws']).map((c) => c + ' (no carry)'))
    const fteCorrupts = bad('fte', ['corrupt', 'throws']).concat(bad('fte-raw', ['corrupt', 'throws']).map((c) => c + ' (no carry)'))
    const ownWrong = bad('own', ['corrupt', 'throws'])
    add(
      'Own decoder correct wherever the shim throws or fast-text-encoding corrupts',
      (ownWrong.length ? 'own wrong in ' + ownWrong.join(', ') : 'own ok in all ' + cases.length + ' cases') +
        '; shim throws in ' + shimThrows.length + ', fast-text-encoding wrong in ' + fteCorrupts.length,
      ownWrong.length === 0
    )
  } else add('Own decoder correct wherever the shim throws or fast-text-encoding corrupts', 'not run', null)

  const e2e = results.sections.e2e
  if (e2e) {
    for (const w of e2e) add('[V8] End to end ≥ 3× the assembly (text-encoding-shim + carry + eventsource-parser), ' + w.name, x(w.contenders.assembly.ratio), w.contenders.assembly.ratio >= 3)
  } else add('[V8] End to end ≥ 3× the assembly', 'not run', null)

  // Issue 11, JavaScriptCore.
  const jsc = results.jsc && results.jsc.runs
  if (jsc) {
    for (const w of jsc.nojit.sections.decoder) add('[JSC, JIT off] Decoder ≥ 2× text-encoding-shim + carry, ' + w.name, x(w.contenders.shim.ratio), w.contenders.shim.ratio >= 2)
    for (const w of jsc.nojit.sections.e2e) {
      if (/-(1k|64)$/.test(w.name)) add('[JSC, JIT off] End to end ≥ 2× the assembly, ' + w.name, x(w.contenders.assembly.ratio), w.contenders.assembly.ratio >= 2)
      else add('[JSC, JIT off] End to end, ' + w.name + ' (no target)', x(w.contenders.assembly.ratio), null)
    }
    for (const w of jsc.jit.sections.e2e) add('[JSC, JIT on] End to end ≥ 3× the assembly, ' + w.name, x(w.contenders.assembly.ratio), w.contenders.assembly.ratio >= 3)
  } else add('[JSC] decoder and end-to-end targets', results.jsc && results.jsc.skipped ? 'skipped: ' + results.jsc.skipped : 'not run', null)

  // Informational: V8 without a JIT (node --jitless), the targets issue 4 set before jsc was measured.
  const nojit = results.nojit && results.nojit.sections
  if (nojit) {
    for (const w of nojit.decoder) add('[node --jitless, informational] Own decoder ≥ 3× text-encoding-shim + carry, ' + w.name, x(w.contenders.shim.ratio), w.contenders.shim.ratio >= 3)
    for (const w of nojit.e2e) add('[node --jitless, informational] End to end ≥ 2× the assembly, ' + w.name, x(w.contenders.assembly.ratio), w.contenders.assembly.ratio >= 2)
  }

  const sync = results.synchronousDispatch
  if (sync) {
    const callbacks = sync.reduce((n, s) => n + s.callbacks, 0)
    const late = sync.reduce((n, s) => n + s.lateCallbacks + s.earlyCallbacks, 0)
    add('Events dispatched synchronously inside the chunk callback', callbacks + ' chunk callbacks checked, ' + late + ' with events late or early', sync.every((s) => s.ok))
  } else add('Events dispatched synchronously inside the chunk callback', 'not run', null)

  if (results.size) {
    const own = results.size[0]
    add('miniprogram_dist/index.js ≤ 3,500 bytes gzip -9', own.gzip.toLocaleString('en-US') + ' B', own.gzip <= 3500)
  } else add('miniprogram_dist/index.js ≤ 3,500 bytes gzip -9', 'not run', null)
  return targets
}

module.exports = { evaluateTargets }
