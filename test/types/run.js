#!/usr/bin/env node
// TypeScript consumer matrix: `tsc --noEmit`, strict, on small consumer projects (cases/*) that
// import the package as users get it: the files package.json "files" lists, copied into
// <tmp>/node_modules/miniprogram-eventsource (so exports, typesVersions and the d.ts/d.mts split
// are what is checked, not the source tree). Needs `npm run build` first.
//
// skipLibCheck is off, so our own declarations (dist/*.d.ts, *.d.mts, uni.d.ts) are checked in
// full, in the four resolution cases (node10, node16 CJS/ESM, bundler) and with wx's and uni's
// typings. Two framework cases turn it on because the framework's declarations do not compile
// on their own: uni-app x's need its UTS environment (TS1039 initializers in ambient classes),
// Taro's need React's and Node's types.
//
// Cases whose framework types are missing are skipped with a message, unless REQUIRE_TYPES=1
// (.ci/steps/30-integration.sh sets it after installing integration/, which holds @tarojs/taro).
// Usage: node test/types/run.js [case...]
'use strict'
const fs = require('node:fs')
const os = require('node:os')
const path = require('node:path')
const { spawn } = require('node:child_process')

const root = path.resolve(__dirname, '../..')
const pkg = require(path.join(root, 'package.json'))
const tsc = path.join(root, 'node_modules/typescript/bin/tsc')
const rootModules = path.join(root, 'node_modules')
const integrationModules = path.join(root, 'integration/node_modules')

/** Type packages each case needs besides the library, and where they are installed. */
const CASES = {
  node10: [],
  'node16-cjs': [],
  'node16-esm': [],
  bundler: [],
  wx: [[rootModules, 'miniprogram-api-typings']],
  uni: [[rootModules, '@dcloudio/types']],
  'uni-no-declaration': [[rootModules, '@dcloudio/types']],
  'uni-app-x': [[rootModules, '@dcloudio/uni-app-x']],
  // @tarojs/taro's types import these (and React's, for components we do not use).
  taro: ['@tarojs/taro', '@tarojs/api', '@tarojs/runtime', '@tarojs/shared', '@tarojs/components', '@types/react', 'csstype'].map((name) => [integrationModules, name])
}

const wanted = process.argv.slice(2)
for (const name of wanted) if (!CASES[name]) throw new Error('unknown case ' + name)
const names = wanted.length ? wanted : Object.keys(CASES)

async function main(tmp) {
  // The package as installed: only what `files` ships.
  const installed = path.join(tmp, 'node_modules', pkg.name)
  fs.mkdirSync(installed, { recursive: true })
  for (const entry of ['package.json', ...pkg.files]) {
    const from = path.join(root, entry)
    if (!fs.existsSync(from)) throw new Error(entry + ' is listed in "files" but missing (run npm run build)')
    fs.cpSync(from, path.join(installed, entry), { recursive: true })
  }

  const skipped = []
  const jobs = []
  for (const name of names) {
    const deps = CASES[name]
    const missing = deps.filter(([dir, dep]) => !fs.existsSync(path.join(dir, dep))).map(([, dep]) => dep)
    // @tarojs/components and React's types are optional for the Taro case (only components need them).
    const required = missing.filter((dep) => !['@tarojs/components', '@types/react', 'csstype'].includes(dep))
    if (required.length) {
      skipped.push(name + ' (missing ' + required.join(', ') + ')')
      continue
    }
    const dir = path.join(tmp, 'cases', name)
    fs.cpSync(path.join(__dirname, 'cases', name), dir, { recursive: true })
    const modules = path.join(dir, 'node_modules')
    for (const [from, dep] of deps) {
      if (!fs.existsSync(path.join(from, dep))) continue
      fs.mkdirSync(path.dirname(path.join(modules, dep)), { recursive: true })
      fs.symlinkSync(path.join(from, dep), path.join(modules, dep), 'dir')
    }
    jobs.push({ name, dir })
  }
  fs.cpSync(path.join(__dirname, 'tsconfig.base.json'), path.join(tmp, 'tsconfig.base.json'))

  /** One tsc per case, two at a time (two cores), each bounded to 2 minutes. */
  const check = ({ name, dir }) =>
    new Promise((resolve) => {
      const started = Date.now()
      const child = spawn(process.execPath, [tsc, '-p', path.join(dir, 'tsconfig.json'), '--pretty', 'false'], { timeout: 120000 })
      let output = ''
      child.stdout.on('data', (d) => (output += d))
      child.stderr.on('data', (d) => (output += d))
      child.on('close', (code) => resolve({ name, ok: code === 0, ms: Date.now() - started, output }))
    })
  const results = []
  const queue = jobs.slice()
  await Promise.all([0, 1].map(async () => {
    while (queue.length) results.push(await check(queue.shift()))
  }))

  let failed = 0
  let passed = 0
  for (const r of results.sort((a, b) => names.indexOf(a.name) - names.indexOf(b.name))) {
    if (r.ok) {
      passed++
      console.log('ok   ' + r.name + ' (' + r.ms + ' ms)')
    } else {
      failed++
      console.log('FAIL ' + r.name + '\n' + r.output.split(tmp).join('<tmp>').split(path.basename(tmp)).join('<tmp>'))
    }
  }
  for (const s of skipped) console.log('skip ' + s)
  if (skipped.length && process.env.REQUIRE_TYPES === '1') {
    console.log('REQUIRE_TYPES=1: skipped cases count as failures')
    failed += skipped.length
  }
  console.log('types: ' + passed + ' passed, ' + failed + ' failed' + (skipped.length ? ', ' + skipped.length + ' skipped' : ''))
  process.exitCode = failed ? 1 : 0
}

const tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'mpes-types-'))
main(tmp)
  .catch((err) => {
    console.error(err)
    process.exitCode = 1
  })
  .finally(() => fs.rmSync(tmp, { recursive: true, force: true }))
