'use strict'
// Size as a mini-program pays for it: gzip -9 bytes. miniprogram_dist/index.js is measured as
// shipped (the build already minifies it); the other packages are bundled into one file where
// they have several, minified with terser, and gzipped the same way.
const fs = require('node:fs')
const path = require('node:path')
const zlib = require('node:zlib')
const { rollup } = require('rollup')
const { minify } = require('terser')
const library = require('./contenders/library')

const MODULES = path.join(library.ROOT, 'node_modules')
const gzip = (code) => zlib.gzipSync(Buffer.from(code), { level: 9 }).length
const version = (name) => require(path.join(MODULES, name, 'package.json')).version

async function bundle(entry) {
  const build = await rollup({ input: entry, onwarn: () => {} })
  const { output } = await build.generate({ format: 'cjs', exports: 'named' })
  await build.close()
  return output[0].code
}

async function minified(code) {
  const result = await minify(code, { ecma: 2015, compress: { passes: 2 }, mangle: true, format: { comments: false } })
  return result.code
}

async function sizes() {
  const own = fs.readFileSync(library.MINIPROGRAM_BUILD, 'utf8')
  const packages = {
    'eventsource-parser': await bundle(path.join(MODULES, 'eventsource-parser', 'dist', 'index.js')),
    '@microsoft/fetch-event-source': await bundle(path.join(MODULES, '@microsoft', 'fetch-event-source', 'lib', 'esm', 'index.js')),
    'text-encoding-shim': fs.readFileSync(path.join(MODULES, 'text-encoding-shim', 'index.js'), 'utf8'),
    'fast-text-encoding': fs.readFileSync(path.join(MODULES, 'fast-text-encoding', 'text.min.js'), 'utf8')
  }
  const rows = [
    {
      name: 'miniprogram-eventsource',
      label: 'miniprogram_dist/index.js (as built: decoder + parser + connectEventSource + install)',
      version: require(path.join(library.ROOT, 'package.json')).version,
      bytes: Buffer.byteLength(own),
      gzip: gzip(own),
      // The same terser pass as the others get, to show the build leaves nothing on the table.
      gzipTerser: gzip(await minified(own))
    }
  ]
  const min = {}
  for (const [name, code] of Object.entries(packages)) {
    min[name] = await minified(code)
    rows.push({ name, label: name + ' ' + version(name) + ', minified', version: version(name), bytes: Buffer.byteLength(min[name]), gzip: gzip(min[name]) })
  }
  const assembly = min['text-encoding-shim'] + '\n' + min['eventsource-parser']
  rows.push({ name: 'assembly', label: 'text-encoding-shim + eventsource-parser (the assembly), minified, one file', bytes: Buffer.byteLength(assembly), gzip: gzip(assembly) })
  return rows
}

module.exports = { sizes }
