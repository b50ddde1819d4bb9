// WeChat devtools' "构建 npm", through miniprogram-ci's packNpm (the same builder, from npm), on a
// temporary copy of the demo mini-program: demo-miniprogram/miniprogram/package.json depends on
// the library, whose files are installed into the copy's node_modules as `npm install` would
// (package.json + what "files" lists). The result must be byte-identical to what the demo's own
// script (demo-miniprogram/scripts/build-npm.js) produces.
'use strict'
const { test, before, after } = require('node:test')
const assert = require('node:assert/strict')
const crypto = require('node:crypto')
const fs = require('node:fs')
const os = require('node:os')
const path = require('node:path')

const ROOT = path.resolve(__dirname, '..', '..')
const DEMO = path.join(ROOT, 'demo-miniprogram')
const PKG = require(path.join(ROOT, 'package.json'))

let tmp

/** Every file under dir, relative path -> sha256. */
function tree(dir) {
  const out = {}
  const walk = (d) => {
    for (const entry of fs.readdirSync(d, { withFileTypes: true })) {
      const full = path.join(d, entry.name)
      if (entry.isDirectory()) walk(full)
      else out[path.relative(dir, full)] = crypto.createHash('sha256').update(fs.readFileSync(full)).digest('hex')
    }
  }
  walk(dir)
  return out
}

before(() => {
  tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'mpes-packnpm-'))
})

after(() => fs.rmSync(tmp, { recursive: true, force: true }))

test('the demo mini-program depends on the library in "dependencies" (what 构建 npm builds)', () => {
  const demoPkg = JSON.parse(fs.readFileSync(path.join(DEMO, 'miniprogram', 'package.json'), 'utf8'))
  assert.ok(demoPkg.dependencies && demoPkg.dependencies[PKG.name], JSON.stringify(demoPkg.dependencies))
})

test('miniprogram-ci packNpm gives miniprogram_npm/miniprogram-eventsource/ identical to scripts/build-npm.js', async () => {
  const ci = require('miniprogram-ci')
  const config = JSON.parse(fs.readFileSync(path.join(DEMO, 'project.config.json'), 'utf8'))
  const miniprogramRoot = config.miniprogramRoot || ''
  fs.copyFileSync(path.join(DEMO, 'project.config.json'), path.join(tmp, 'project.config.json'))
  fs.cpSync(path.join(DEMO, miniprogramRoot), path.join(tmp, miniprogramRoot), {
    recursive: true,
    filter: (src) => !/(^|[\\/])(miniprogram_npm|node_modules)([\\/]|$)/.test(path.relative(DEMO, src))
  })
  // `npm install miniprogram-eventsource` into the copy: the package's published files.
  const installed = path.join(tmp, miniprogramRoot, 'node_modules', PKG.name)
  fs.mkdirSync(installed, { recursive: true })
  for (const entry of ['package.json', ...PKG.files]) {
    const from = path.join(ROOT, entry)
    if (fs.existsSync(from)) fs.cpSync(from, path.join(installed, entry), { recursive: true })
  }

  // packNpm never uses the upload key; miniprogram-ci only requires one to be given.
  const { privateKey } = crypto.generateKeyPairSync('rsa', {
    modulusLength: 2048,
    privateKeyEncoding: { type: 'pkcs1', format: 'pem' },
    publicKeyEncoding: { type: 'spki', format: 'pem' }
  })
  const project = new ci.Project({ appid: config.appid, type: 'miniProgram', projectPath: tmp, privateKey, ignores: ['node_modules/**/*'] })
  const started = Date.now()
  let report
  const warnings = await ci.packNpm(project, { reporter: (r) => { report = r } })
  console.log('# packNpm: ' + (Date.now() - started) + ' ms, ' + JSON.stringify(report))
  assert.deepEqual(warnings, [])
  assert.equal(report.miniprogram_pack_num, 1, 'one package built through its "miniprogram" field')

  const packed = tree(path.join(tmp, miniprogramRoot, 'miniprogram_npm', PKG.name))
  const { buildNpm } = require(path.join(DEMO, 'scripts', 'build-npm.js'))
  const ours = tree(buildNpm())
  assert.ok(Object.keys(packed).includes('index.js'))
  assert.deepEqual(packed, ours)
})

test('nothing but 127.0.0.1 was contacted', () => {
  assert.deepEqual(globalThis.__blockedConnections, [])
})
