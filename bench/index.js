'use strict'
// `npm run bench` (= build, then `node bench/index.js`): speed and size of miniprogram-eventsource
// next to what a mini-program developer would otherwise use, as same-round ratios.
//
//   node bench/index.js [--quick] [--only parser|mixed|decoder|e2e|nojit|jsc|size|checks] [--json] [--write|--no-write]
//
// --quick: fewer rounds, for a smoke test. --only: one section. --json: machine-readable output
// on stdout instead of the table. BENCHMARKS.md is rewritten after a full run (no --quick, no
// --only) unless --no-write; --write forces it.
//
// BENCH_CANDIDATE_PARSER=file.js adds a third parser (a module exporting createParser) to the
// parser section, to try a change against both parsers before it goes into src/.
//
// The parser section runs each workload in a fresh child process; the mixed section runs them
// all in one child after a prelude that feeds every workload shape to both parsers (CJK, long
// lines, tiny events, 7-byte pieces, OpenAI), as an app's parser sees mixed input: call sites
// that see many string shapes go megamorphic, which a fresh process hides.
//
// The nojit section reruns the decoder and end-to-end workloads in a child `node --jitless`;
// the jsc section reruns them in JavaScriptCore (bench/jsc.js), JIT off (as iPhones run
// mini-programs) and on.
const fs = require('node:fs')
const os = require('node:os')
const path = require('node:path')
const { spawnSync } = require('node:child_process')
const { measure } = require('./harness')
const { parserContenders } = require('./contenders/parsers')
const { decoderContenders } = require('./contenders/decoders')
const { e2eContenders } = require('./contenders/e2e')
const { PARSER_WORKLOADS, E2E_WORKLOADS, parserWorkload, linearityWorkload, decoderWorkloads, e2eWorkload } = require('./workloads')
const { median } = require('./harness')
const { decoderCorrectness, synchronousDispatch } = require('./correctness')
const { sizes } = require('./size')
const { evaluateTargets } = require('./targets')
const report = require('./report')
const inputs = require('./inputs')

const { jscSection } = require('./jsc')

const SECTIONS = ['parser', 'mixed', 'decoder', 'e2e', 'nojit', 'jsc', 'size', 'checks']
// Budgeted for a noisy 2-core machine (a full run takes about two minutes): many short rounds
// where a run is cheap, so that a burst of load elsewhere lands in few of them.
const PROFILES = {
  full: {
    parser: { rounds: 31, warmup: 5, warmupMs: 300, minSampleMs: 10 },
    decoder: { rounds: 15, warmup: 3, warmupMs: 300, minSampleMs: 15 },
    e2e: { rounds: 15, warmup: 3, warmupMs: 300, minSampleMs: 15 },
    nojit: { rounds: 9, warmup: 1, warmupMs: 0, minSampleMs: 0 },
    jsc: {
      nojit: { rounds: 11, warmup: 1, warmupMs: 0, minSampleMs: 0 },
      jit: { rounds: 11, warmup: 3, warmupMs: 300, minSampleMs: 15 }
    }
  },
  quick: {
    parser: { rounds: 5, warmup: 2, warmupMs: 50, minSampleMs: 5 },
    decoder: { rounds: 3, warmup: 1, warmupMs: 0, minSampleMs: 5 },
    e2e: { rounds: 3, warmup: 1, warmupMs: 0, minSampleMs: 5 },
    nojit: { rounds: 3, warmup: 1, warmupMs: 0, minSampleMs: 0 },
    jsc: {
      nojit: { rounds: 3, warmup: 1, warmupMs: 0, minSampleMs: 0 },
      jit: { rounds: 3, warmup: 1, warmupMs: 100, minSampleMs: 5 }
    }
  }
}
// The mixed section's prelude: every workload shape, in this order, fed to every parser.
const PRELUDE = ['cjk-1k', 'line-4m', 'tiny-1k', 'openai-7b', 'openai-1k']
const PRELUDE_RUNS = 3
// What the nojit section reruns, by workload name.
const NOJIT = { decoder: ['ascii-1k', 'cjk-1k'], e2e: ['openai-1k', 'cjk-1k'] }

function parseArgs(argv) {
  const args = { json: false, quick: false, only: null, write: null }
  for (let i = 0; i < argv.length; i++) {
    const arg = argv[i]
    if (arg === '--json') args.json = true
    else if (arg === '--quick') args.quick = true
    else if (arg === '--write') args.write = true
    else if (arg === '--no-write') args.write = false
    else if (arg === '--nojit-child') args.nojitChild = true
    else if (arg.startsWith('--parser-child=')) args.parserChild = arg.slice(15)
    else if (arg === '--only') args.only = argv[++i]
    else if (arg.startsWith('--only=')) args.only = arg.slice(7)
    else throw new Error('[bench] unknown argument ' + arg)
  }
  if (args.only && !SECTIONS.includes(args.only)) throw new Error('[bench] --only takes one of ' + SECTIONS.join(', '))
  if (args.write === null) args.write = !args.quick && !args.only
  return args
}

async function main() {
  const args = parseArgs(process.argv.slice(2))
  const profiles = args.quick ? PROFILES.quick : PROFILES.full
  const wanted = (section) => !args.only || args.only === section
  const log = (...a) => console.error(...a)
  if (args.nojitChild) return nojitChild(profiles.nojit)
  if (args.parserChild) return parserChild(args.parserChild, profiles.parser)
  const started = Date.now()
  const cpus = os.cpus()
  const results = {
    date: new Date().toISOString(),
    node: process.version,
    v8: process.versions.v8,
    cpu: (cpus[0] && cpus[0].model.trim()) + ' × ' + cpus.length,
    platform: os.platform() + ' ' + os.arch(),
    // A shared machine: the load when the run started and ended says how much to trust it.
    loadavg: { start: os.loadavg()[0] },
    profile: Object.assign({ name: args.quick ? 'quick' : 'full' }, profiles),
    sections: {}
  }

  const run = async (section, workloads) => {
    results.sections[section] = await runWorkloads(section, workloads, profiles[section])
  }

  if (wanted('parser')) {
    // Fresh: each workload (and the 8 MB ÷ 4 MB pair) alone in a new process.
    results.sections.parser = []
    for (const spec of PARSER_WORKLOADS) results.sections.parser.push(...childRun(args, spec.name).sections)
    const { linearity } = childRun(args, 'linearity')
    results.linearity = linearity
  }
  if (wanted('mixed')) {
    const mixed = childRun(args, 'mixed')
    results.sections.mixed = mixed.sections
    results.mixedPrelude = mixed.prelude
  }
  if (wanted('decoder')) await run('decoder', decoderWorkloads(decoderContenders()))
  if (wanted('e2e')) {
    const runners = await e2eContenders()
    await run('e2e', E2E_WORKLOADS.map((spec) => e2eWorkload(spec, runners)))
  }
  if (wanted('nojit')) results.nojit = nojit(args)
  if (wanted('jsc')) results.jsc = jscSection(profiles.jsc)
  if (wanted('decoder') || wanted('checks')) results.correctness = decoderCorrectness()
  if (wanted('e2e') || wanted('checks')) {
    results.synchronousDispatch = synchronousDispatch([
      { name: 'openai', text: inputs.openAiStream(2000).text, size: 1024 },
      { name: 'openai', text: inputs.openAiStream(300).text, size: 7 },
      { name: 'cjk', text: inputs.cjkStream(1000).text, size: 64 }
    ])
  }
  if (wanted('size')) results.size = await sizes()
  results.targets = evaluateTargets(results)
  results.seconds = Math.round((Date.now() - started) / 100) / 10
  results.loadavg.end = os.loadavg()[0]

  if (args.json) process.stdout.write(JSON.stringify(results, null, 2) + '\n')
  else process.stdout.write(report.text(results))
  if (args.write) {
    const file = path.join(__dirname, '..', 'BENCHMARKS.md')
    fs.writeFileSync(file, report.markdown(results))
    log('[bench] wrote ' + path.relative(process.cwd(), file))
  }
}

async function runWorkloads(section, workloads, profile) {
  const measured = []
  for (const workload of workloads) {
    const made = Object.assign({ name: workload.name, title: workload.title }, workload.make())
    made.verify()
    const t = Date.now()
    const result = measure(made, profile)
    result.title = workload.title
    measured.push(result)
    console.error('[bench] ' + section + ' ' + workload.name + ' ' + ((Date.now() - t) / 1000).toFixed(1) + ' s')
  }
  return measured
}

/** Runs `node bench/index.js --parser-child=<what>` and returns what it printed (JSON). */
function childRun(args, what, execArgv = []) {
  const child = spawnSync(process.execPath, execArgv.concat([__filename, '--parser-child=' + what]).concat(args.quick ? ['--quick'] : []), {
    encoding: 'utf8',
    stdio: ['ignore', 'pipe', 'pipe'],
    maxBuffer: 64 * 1024 * 1024
  })
  if (child.stderr) process.stderr.write(child.stderr)
  if (child.status !== 0) throw new Error('[bench] the ' + what + ' child failed with status ' + child.status)
  return JSON.parse(child.stdout)
}

/**
 * In a child: one parser workload alone (fresh), the 8 MB ÷ 4 MB pair alone, or — 'mixed' —
 * the prelude and then every workload, one after another in this process.
 */
async function parserChild(what, profile) {
  const parsers = await parserContenders()
  const byName = (name) => PARSER_WORKLOADS.find((spec) => spec.name === name)
  if (what === 'linearity') {
    const [linearity] = await runWorkloads('parser', [linearityWorkload(parsers)], Object.assign({}, profile, { reference: 'own@4m' }))
    // Per parser: the median over rounds of (8 MB time ÷ 4 MB time) — linear is 2.00.
    const out = { rounds: linearity.contenders['own@4m'].timesMs.length, parsers: {} }
    for (const parser of parsers) {
      const t4 = linearity.contenders[parser.name + '@4m'].timesMs
      const t8 = linearity.contenders[parser.name + '@8m'].timesMs
      out.parsers[parser.name] = { label: parser.short, ratio: Math.round(median(t8.map((t, i) => t / t4[i])) * 1000) / 1000, ms4: median(t4), ms8: median(t8) }
    }
    return process.stdout.write(JSON.stringify({ linearity: out }))
  }
  if (what !== 'mixed') return process.stdout.write(JSON.stringify({ sections: await runWorkloads('parser (fresh)', [parserWorkload(byName(what), parsers)], profile) }))
  for (const name of PRELUDE) {
    const made = parserWorkload(byName(name), parsers).make()
    for (let k = 0; k < PRELUDE_RUNS; k++) for (const contender of made.contenders) made.check(contender, contender.run())
  }
  const sections = await runWorkloads('parser (after the mixed prelude)', PARSER_WORKLOADS.map((spec) => parserWorkload(spec, parsers)), profile)
  process.stdout.write(JSON.stringify({ sections, prelude: { order: PRELUDE, runs: PRELUDE_RUNS } }))
}

/** Runs the nojit section in a child `node --jitless` and returns its sections. */
function nojit(args) {
  const child = spawnSync(process.execPath, ['--jitless', __filename, '--nojit-child'].concat(args.quick ? ['--quick'] : []), {
    encoding: 'utf8',
    stdio: ['ignore', 'pipe', 'pipe'],
    maxBuffer: 64 * 1024 * 1024
  })
  // Pass the child's progress on; drop V8's note that --jitless turns WebAssembly off.
  const errors = child.stderr.split('\n').filter((line) => line && !/disabling flag --expose_wasm/.test(line))
  if (errors.length) console.error(errors.join('\n'))
  if (child.status !== 0) throw new Error('[bench] the --jitless run failed with status ' + child.status)
  return JSON.parse(child.stdout)
}

async function nojitChild(profile) {
  const pick = (workloads, names) => workloads.filter((w) => names.includes(w.name))
  const sections = {}
  sections.decoder = await runWorkloads('nojit decoder', pick(decoderWorkloads(decoderContenders()), NOJIT.decoder), profile)
  const runners = await e2eContenders()
  sections.e2e = await runWorkloads('nojit e2e', pick(E2E_WORKLOADS.map((spec) => e2eWorkload(spec, runners)), NOJIT.e2e), profile)
  process.stdout.write(JSON.stringify({ execArgv: process.execArgv, profile, sections }))
}

main().catch((error) => {
  console.error(error && error.stack ? error.stack : error)
  process.exit(1)
})
