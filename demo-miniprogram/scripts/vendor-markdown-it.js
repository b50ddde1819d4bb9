#!/usr/bin/env node
'use strict'
/**
 * Copies markdown-it's self-contained browser build (UMD, ES2015, no dependencies left to
 * resolve) from `miniprogram/node_modules` (run `npm ci` in demo-miniprogram/miniprogram first)
 * to `miniprogram/lib/markdown-it.js`, the file the page requires. The copy is committed, so the
 * demo, its tests and devtools need no install; this script is how it is refreshed.
 */
const fs = require('fs')
const path = require('path')

const MINIPROGRAM = path.resolve(__dirname, '..', 'miniprogram')
const PACKAGE = path.join(MINIPROGRAM, 'node_modules', 'markdown-it')
const TARGET = path.join(MINIPROGRAM, 'lib', 'markdown-it.js')

function vendorMarkdownIt() {
  const version = require(path.join(PACKAGE, 'package.json')).version
  const source = fs.readFileSync(path.join(PACKAGE, 'dist', 'browser', 'markdown-it.umd.min.js'), 'utf8')
    .replace(/\n\/\/# sourceMappingURL=.*\s*$/, '\n')
  const header = '/*! markdown-it ' + version + ' (dist/browser/markdown-it.umd.min.js), MIT License, see markdown-it.LICENSE. Copied by demo-miniprogram/scripts/vendor-markdown-it.js */\n'
  fs.writeFileSync(TARGET, header + source)
  fs.copyFileSync(path.join(PACKAGE, 'LICENSE'), path.join(MINIPROGRAM, 'lib', 'markdown-it.LICENSE'))
  return { version: version, target: TARGET }
}

module.exports = { vendorMarkdownIt, TARGET }

if (require.main === module) {
  const done = vendorMarkdownIt()
  console.log('markdown-it ' + done.version + ' → ' + path.relative(process.cwd(), done.target))
}
