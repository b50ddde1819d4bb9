'use strict'
// Renders one run's results as the console table (ratios first) and as BENCHMARKS.md.

const x = (r) => (r === null || r === undefined ? '' : r.toFixed(2) + '×')
const mbps = (v) => (v >= 100 ? v.toFixed(0) : v.toFixed(1))
const status = (pass) => (pass === null ? 'n/a' : pass ? 'PASS' : 'MISS')

const SECTION_TITLES = {
  parser: 'Parser only, text in → events out, each workload in a fresh process',
  mixed: 'Parser only, text in → events out, after a mixed prelude in the same process',
  decoder: 'UTF-8 streaming decode, bytes in → text out',
  e2e: 'End to end as on a phone, ArrayBuffer chunks → onMessage'
}

/** The tables, independent of the output format: { title, head: [], rows: [[]], notes: [] }. */
function tables(results) {
  const out = []
  const sections = results.sections

  const legend = (workloads) => Object.values(workloads[0].contenders).map((c) => c.short + ': ' + c.label)

  // 1. Ratios.
  const ratioTable = (section, title, workloads = sections[section]) => {
    if (!workloads || !workloads.length) return
    const others = Object.keys(workloads[0].contenders).filter((n) => n !== 'own')
    out.push({
      title: 'Ratios — ' + title + ' (own throughput ÷ contender’s; median of same-round ratios; > 1: own is faster)',
      head: ['workload', ...others.map((n) => 'own ÷ ' + workloads[0].contenders[n].short)],
      rows: workloads.map((w) => [w.name + ' — ' + w.title, ...others.map((n) => x(w.contenders[n].ratio))]),
      notes: legend(workloads)
    })
  }
  ratioTable('parser', SECTION_TITLES.parser)
  if (results.linearity) {
    const lin = results.linearity.parsers
    out[out.length - 1].notes.push(
      '8 MB ÷ 4 MB line time, median of ' + results.linearity.rounds + ' same-round ratios (linear = 2.00): ' +
        Object.values(lin).map((p) => p.label + ' ' + p.ratio.toFixed(2)).join(', ')
    )
  }
  ratioTable('mixed', SECTION_TITLES.mixed)
  if (sections.mixed && results.mixedPrelude) {
    out[out.length - 1].notes.push('Prelude: ' + results.mixedPrelude.order.join(', ') + ', each fed ' + results.mixedPrelude.runs + '× to both parsers, then every workload measured one after another in that one process (call sites that saw every string shape).')
  }
  ratioTable('decoder', SECTION_TITLES.decoder)
  ratioTable('e2e', SECTION_TITLES.e2e)
  if (sections.e2e && sections.e2e.length) {
    out[out.length - 1].notes.push('The limit does no SSE parsing at all: it decodes natively and counts newlines. own ÷ limit < 1 is expected: it shows how far a phone without a native decoder is from that floor.')
  }

  const nojit = results.nojit && results.nojit.sections
  if (nojit) {
    ratioTable('decoder', SECTION_TITLES.decoder + ', WITHOUT A JIT (node --jitless)', nojit.decoder)
    ratioTable('e2e', SECTION_TITLES.e2e + ', WITHOUT A JIT (node --jitless)', nojit.e2e)
    out[out.length - 1].notes.push('node --jitless runs V8’s interpreter only, the nearest this machine gets to iOS JavaScriptCore without a JIT: work done by built-ins (decodeURIComponent, String.fromCharCode.apply, indexOf) keeps its speed, work done byte by byte in JavaScript does not.')
  }

  const jsc = results.jsc
  if (jsc && jsc.runs) {
    for (const [mode, title] of [['nojit', 'JIT OFF (jsc --useJIT=false, as iPhones run mini-programs)'], ['jit', 'JIT on']]) {
      const run = jsc.runs[mode]
      ratioTable('decoder', SECTION_TITLES.decoder + ', JavaScriptCore ' + title, run.sections.decoder)
      ratioTable('e2e', SECTION_TITLES.e2e + ', JavaScriptCore ' + title, run.sections.e2e)
      out[out.length - 1].notes.push(jsc.version + '; ' + run.profile.warmup + ' warm-up + ' + run.profile.rounds + ' rounds; wall-clock time (the jsc shell has no CPU clock); timers from the harness (the shell has no clearTimeout).')
    }
  } else if (jsc && jsc.skipped) {
    out.push({ title: 'JavaScriptCore: not measured', head: ['reason'], rows: [[jsc.skipped]], align: 'l', notes: ['Skipped: the decoder and end-to-end figures with the JIT off and on.'] })
  }

  // 2. Targets.
  out.push({
    title: 'Targets (issues 4 and 11)',
    head: ['', 'target', 'measured'],
    rows: results.targets.filter((t) => t.pass !== null).map((t) => [status(t.pass), t.target, t.measured]),
    align: 'lll',
    notes: []
  })

  // 3. Throughput.
  const throughput = [['parser', ''], ['mixed', ''], ['decoder', ''], ['e2e', '']].map(([section]) => [section, '', sections[section], results.profile[section === 'mixed' ? 'parser' : section]])
  if (nojit) {
    throughput.push(['decoder', ', WITHOUT A JIT', nojit.decoder, results.nojit.profile])
    throughput.push(['e2e', ', WITHOUT A JIT', nojit.e2e, results.nojit.profile])
  }
  for (const [section, suffix, workloads, profile] of throughput) {
    if (!workloads || !workloads.length) continue
    const names = Object.keys(workloads[0].contenders)
    out.push({
      title: 'Throughput — ' + SECTION_TITLES[section] + suffix + ' (MB/s of UTF-8 input, median of ' + profile.rounds + ' rounds)',
      head: ['workload', 'MB', ...names.map((n) => workloads[0].contenders[n].short)],
      rows: workloads.map((w) => [w.name, (w.bytes / 1048576).toFixed(2), ...names.map((n) => mbps(w.contenders[n].mbps))]),
      notes: []
    })
  }

  // 4. Checks.
  if (results.correctness) {
    const c = results.correctness
    out.push({
      title: 'Decoder correctness (compared with Node’s native streaming TextDecoder)',
      head: ['decoder', ...c.cases.map((k) => k.name)],
      align: 'l' + 'c'.repeat(c.cases.length),
      rows: Object.values(c.contenders).map((d) => [d.label, ...c.cases.map((k) => d.cases[k.name])]),
      notes: c.cases.map((k) => k.name + ': ' + k.title)
    })
  }
  if (results.synchronousDispatch) {
    out.push({
      title: 'Synchronous dispatch (events counted right after each chunk callback returns)',
      head: ['stream', 'chunk bytes', 'callbacks', 'events', 'late', 'early', 'check'],
      rows: results.synchronousDispatch.map((s) => [s.stream, String(s.chunkBytes), String(s.callbacks), s.events + '/' + s.expected, String(s.lateCallbacks), String(s.earlyCallbacks), s.ok ? 'ok' : 'FAIL']),
      notes: []
    })
  }
  if (results.size) {
    const own = results.size[0].gzip
    out.push({
      title: 'Size (gzip -9 bytes; the others minified with terser first)',
      head: ['package', 'min bytes', 'gzip -9', 'own ÷ it'],
      rows: results.size.map((s) => [s.label, s.bytes.toLocaleString('en-US'), s.gzip.toLocaleString('en-US'), (own / s.gzip).toFixed(2)]),
      notes: ['miniprogram_dist/index.js through the same terser pass: ' + results.size[0].gzipTerser.toLocaleString('en-US') + ' B gzip -9.']
    })
  }
  return out
}

function header(results) {
  return [
    'miniprogram-eventsource benchmark — ' + results.date.slice(0, 10),
    'Node ' + results.node + ' (V8 ' + results.v8 + '), ' + results.cpu + ', ' + results.platform +
      '; 1-min load average ' + results.loadavg.start.toFixed(1) + ' at the start, ' + results.loadavg.end.toFixed(1) + ' at the end',
    results.profile.name + ' profile: ' +
      ['parser', 'decoder', 'e2e', 'nojit'].map((k) => k + ' ' + results.profile[k].warmup + ' warm-up + ' + results.profile[k].rounds + ' rounds').join(', ') +
      '; the run took ' + results.seconds + ' s'
  ]
}

function text(results) {
  const lines = header(results).concat([''])
  for (const t of tables(results)) {
    lines.push(t.title)
    const align = t.align || 'l' + 'r'.repeat(t.head.length - 1)
    const widths = t.head.map((h, i) => Math.max(h.length, ...t.rows.map((r) => String(r[i]).length)))
    const pad = (c, i) => (align[i] === 'r' ? String(c).padStart(widths[i]) : i === t.head.length - 1 ? String(c) : String(c).padEnd(widths[i]))
    const fmt = (cells) => '  ' + cells.map(pad).join('  ').trimEnd()
    lines.push(fmt(t.head))
    for (const row of t.rows) lines.push(fmt(row))
    for (const note of t.notes) lines.push('  · ' + note)
    lines.push('')
  }
  return lines.join('\n')
}

function markdown(results) {
  const cell = (c) => String(c).replace(/\|/g, '\\|')
  const lines = [
    '# Benchmarks',
    '',
    'Generated by `npm run bench` (`node bench/index.js` after the build); do not edit by hand.',
    '',
    ...header(results).slice(1).map((l) => '- ' + l),
    '- Date: ' + results.date,
    '',
    'All inputs are generated from fixed seeds (`bench/inputs.js`). Each workload is warmed up, then',
    'timed over interleaved rounds (every contender once per round, order rotating); a ratio is the',
    'median of the per-round ratios, so both sides of it ran within the same moments of a shared',
    'machine. Times are this process’s CPU time (a run waiting for a core is not billed for the',
    'wait), with no forced GC between runs (a forced full GC deoptimizes code that inlined the last',
    'run’s parser closures). Ratios matter; absolute MB/s do not travel between machines.',
    '',
    'Machine-readable: `node bench/index.js --json` (or `npm run --silent bench -- --json`).',
    ''
  ]
  for (const t of tables(results)) {
    lines.push('## ' + t.title, '')
    lines.push('| ' + t.head.map(cell).join(' | ') + ' |')
    const align = t.align || 'l' + 'r'.repeat(t.head.length - 1)
    lines.push('|' + t.head.map((_, i) => ({ l: ' --- ', r: ' ---: ', c: ' :---: ' })[align[i]]).join('|') + '|')
    for (const row of t.rows) lines.push('| ' + row.map(cell).join(' | ') + ' |')
    if (t.notes.length) lines.push('', ...t.notes.map((n) => '- ' + n))
    lines.push('')
  }
  lines.push(
    '## How it is measured',
    '',
    '- **Parser**: `createParser` from `dist/index.cjs` vs `eventsource-parser`, fed the same text pieces',
    '  (the bytes cut into pieces, decoded by a streaming decoder); every run’s event count is asserted,',
    '  and once per workload the events (type and data) are compared between the two.',
    '- **Decoder**: the library’s `createUtf8Decoder()` from `miniprogram_dist/index.js`, loaded in a',
    '  `node:vm` realm without TextDecoder (so it is its own decoder, not the native one), vs',
    '  text-encoding-shim and fast-text-encoding, each in its own realm (no native TextDecoder to defer',
    '  to, nothing installed on this process’s globals) behind the smallest carry wrapper',
    '  (`bench/contenders/carry.js`), vs Node’s native `TextDecoder` with `{stream: true}`. Input:',
    '  realm-local ArrayBuffers, as wx.request delivers them.',
    '- **End to end**: `miniprogram_dist/index.js` in a realm with only ECMAScript built-ins, console,',
    '  setTimeout/clearTimeout and a `wx`; `connectEventSource({url, request})` with a fake `wx.request`',
    '  whose headers (200, `text/event-stream`), chunks and `success` are played synchronously; events',
    '  counted in onMessage and asserted. The assembly: text-encoding-shim + carry + eventsource-parser.',
    '  The limit: native TextDecoder + one `indexOf(\'\\n\')` scan, no parsing.',
    '- **Mixed**: the parser workloads in one child process after a prelude feeding every workload shape to',
    '  both parsers; **parser** (fresh): each workload alone in its own child process.',
    '- **JavaScriptCore**: `bench/jsc.js` writes the inputs to files and runs `bench/jsc/child.js` in the',
    '  `jsc` shell, with `--useJIT=false` and without; the same harness, the same shipped bundle, the same',
    '  text-encoding-shim + carry and eventsource-parser (its two ES modules joined into one script).',
    '- **Size**: `miniprogram_dist/index.js` as built; the others bundled with rollup where they span',
    '  several files, minified with terser (`compress.passes: 2`), all gzipped with zlib level 9.',
    ''
  )
  return lines.join('\n')
}

module.exports = { text, markdown, tables }
