'use strict'
/**
 * Mini-program code must be plain ES2015 (devtools' ES6→ES5 switch is not known to touch
 * miniprogram_npm, and old clients reject newer syntax): parse every file of the demo app,
 * the copied library included, as ES2015 scripts.
 */
const fs = require('fs')
const path = require('path')
const { buildNpm } = require('../../demo-miniprogram/scripts/build-npm')
const { MINIPROGRAM_ROOT } = require('./helpers/page-harness')

// acorn comes with terser (a devDependency); resolve it from there.
const acorn = require(require.resolve('acorn', { paths: [path.dirname(require.resolve('terser'))] }))

function jsFiles(dir) {
  return fs.readdirSync(dir, { withFileTypes: true }).flatMap((entry) => {
    const file = path.join(dir, entry.name)
    // node_modules holds the demo's own npm install (a link back to this package among them).
    if (entry.isDirectory()) return entry.name === 'node_modules' ? [] : jsFiles(file)
    return entry.name.endsWith('.js') ? [file] : []
  })
}

beforeAll(() => buildNpm())

test('every mini-program .js file parses as ES2015', () => {
  const files = jsFiles(MINIPROGRAM_ROOT)
  expect(files.map((f) => path.relative(MINIPROGRAM_ROOT, f))).toEqual(
    expect.arrayContaining([
      'app.js', 'config.js', 'pages/chat/chat.js', 'pages/chat/chat-utils.js', 'pages/chat/markdown.js', 'lib/markdown-it.js',
      'miniprogram_npm/miniprogram-eventsource/index.js', 'miniprogram_npm/miniprogram-eventsource/ai.js', 'miniprogram_npm/miniprogram-eventsource/chat.js'
    ])
  )
  files.forEach((file) => {
    expect(() => acorn.parse(fs.readFileSync(file, 'utf8'), { ecmaVersion: 2015, sourceType: 'script' })).not.toThrow()
  })
})
