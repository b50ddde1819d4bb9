'use strict'
// The JavaScriptCore section: the decoder and end-to-end workloads rerun in a `jsc` child (the
// shell of Debian's libjavascriptcoregtk-4.0-bin), once with the JIT off (`--useJIT=false`, as
// iPhones run mini-programs) and once with it on. The inputs are written to a temporary folder;
// bench/jsc/child.js measures them with the same harness and prints the results.
const fs = require('node:fs')
const os = require('node:os')
const path = require('node:path')
const { spawnSync } = require('node:child_process')
const inputs = require('./inputs')

const ROOT = path.join(__dirname, '..')
const KB = 1024

/** The jsc shell: $JSC, or `jsc` on the PATH; null when there is none. */
function findJsc() {
  const candidates = process.env.JSC ? [process.env.JSC] : (process.env.PATH || '').split(path.delimiter).map((dir) => path.join(dir, 'jsc'))
  for (const file of candidates) {
    try {
      fs.accessSync(file, fs.constants.X_OK)
      if (fs.statSync(file).isFile()) return file
    } catch {}
  }
  return null
}

/** The WebKitGTK version of the jsc shell, from dpkg when it was installed that way. */
function jscVersion(jsc) {
  const dpkg = spawnSync('dpkg-query', ['-W', '-f', '${Version}', 'libjavascriptcoregtk-4.0-bin'], { encoding: 'utf8' })
  const version = dpkg.status === 0 ? dpkg.stdout.trim() : ''
  return (version ? 'JavaScriptCore of WebKitGTK ' + version : 'JavaScriptCore') + ' (' + jsc + ')'
}

// What the section runs. No-JIT runs are ~10× slower: the 7-byte streams are shorter.
const TEXTS = {
  ascii: { title: 'ASCII (the OpenAI-style stream)', make: () => inputs.openAiStream(10000).text },
  cjk: { title: 'CJK (Chinese prose, some digits and emoji)', make: () => inputs.cjkText(700000).text }
}
const DECODE_SIZES = [['64', 64], ['1k', KB], ['16k', 16 * KB]]
const E2E = [
  { name: 'openai-1k', title: 'OpenAI-style, 10k events, 1 KB chunks', stream: () => inputs.openAiStream(10000), size: KB },
  { name: 'openai-64', title: 'OpenAI-style, 10k events, 64 B chunks', stream: () => inputs.openAiStream(10000), size: 64 },
  { name: 'openai-7b', title: 'OpenAI-style, 2k events, 7-byte chunks', stream: () => inputs.openAiStream(2000), size: 7 },
  { name: 'cjk-1k', title: 'CJK-heavy, 6k events, 1 KB chunks', stream: () => inputs.cjkStream(6000), size: KB },
  { name: 'cjk-64', title: 'CJK-heavy, 6k events, 64 B chunks', stream: () => inputs.cjkStream(6000), size: 64 },
  { name: 'cjk-7b', title: 'CJK-heavy, 1.2k events, 7-byte chunks', stream: () => inputs.cjkStream(1200), size: 7 }
]

function writeInputs(dir) {
  const manifest = { root: ROOT, decoder: [], e2e: [] }
  for (const [kind, text] of Object.entries(TEXTS)) {
    const expected = text.make()
    const bytes = inputs.utf8(expected)
    const file = path.join(dir, 'decode-' + kind + '.bin')
    fs.writeFileSync(file, bytes)
    for (const [sizeName, size] of DECODE_SIZES) {
      manifest.decoder.push({ name: kind + '-' + sizeName, title: text.title + ', ' + (size >= KB ? size / KB + ' KB' : size + ' B') + ' chunks', file, size, bytes: bytes.length, length: expected.length })
    }
  }
  for (const spec of E2E) {
    const stream = spec.stream()
    const bytes = inputs.utf8(stream.text)
    const file = path.join(dir, 'e2e-' + spec.name + '.bin')
    fs.writeFileSync(file, bytes)
    manifest.e2e.push({ name: spec.name, title: spec.title, file, size: spec.size, bytes: bytes.length, events: stream.events })
  }
  return manifest
}

/**
 * Runs both jsc children. Returns { version, runs: { nojit, jit } } or { skipped: reason }.
 * profiles: { nojit, jit } harness profiles.
 */
function jscSection(profiles, log = console.error) {
  const jsc = findJsc()
  if (!jsc) {
    const reason = 'no `jsc` shell on the PATH (Debian: apt-get install libjavascriptcoregtk-4.0-bin; or set JSC=/path/to/jsc)'
    log('[bench] jsc: SKIPPED — ' + reason + '; the JavaScriptCore figures (JIT off and on) are not measured')
    return { skipped: reason }
  }
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'bench-jsc-'))
  try {
    const manifest = writeInputs(dir)
    const runs = {}
    for (const [mode, flags] of [['nojit', ['--useJIT=false']], ['jit', []]]) {
      const file = path.join(dir, mode + '.json')
      fs.writeFileSync(file, JSON.stringify(Object.assign({ label: 'jsc ' + mode, profile: profiles[mode] }, manifest)))
      runs[mode] = runChild(jsc, flags, file, log)
      runs[mode].flags = flags
      runs[mode].profile = profiles[mode]
    }
    return { version: jscVersion(jsc), runs }
  } finally {
    fs.rmSync(dir, { recursive: true, force: true })
  }
}

function runChild(jsc, flags, manifestFile, log) {
  const child = spawnSync(jsc, flags.concat([path.join(__dirname, 'jsc', 'child.js'), '--', manifestFile]), { encoding: 'utf8', maxBuffer: 64 * 1024 * 1024 })
  let result = null
  for (const line of child.stdout.split('\n')) {
    if (line.startsWith('[progress] ')) log('[bench] ' + line.slice(11))
    else if (line.startsWith('[result] ')) result = JSON.parse(line.slice(9))
    else if (line) log('[bench] jsc: ' + line)
  }
  if (child.stderr) log(child.stderr.trim())
  if (child.status !== 0 || !result) throw new Error('[bench] the jsc run (' + (flags.join(' ') || 'JIT on') + ') failed with status ' + child.status)
  return result
}

module.exports = { jscSection, findJsc, jscVersion }
