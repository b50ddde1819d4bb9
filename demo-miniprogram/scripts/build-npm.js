#!/usr/bin/env node
'use strict'
/**
 * Does what WeChat devtools' "构建 npm" does for this one package: copies the built
 * `miniprogram_dist/` (the package's `miniprogram` field) to
 * `demo-miniprogram/miniprogram/miniprogram_npm/miniprogram-eventsource/`, so the page's
 * `require('miniprogram-eventsource')` loads the same files a user's app would.
 */
const fs = require('fs')
const path = require('path')

const ROOT = path.resolve(__dirname, '..', '..')
const PACKAGE = require(path.join(ROOT, 'package.json'))
const SOURCE = path.join(ROOT, PACKAGE.miniprogram || 'miniprogram_dist')
const TARGET = path.resolve(__dirname, '..', 'miniprogram', 'miniprogram_npm', PACKAGE.name)

function buildNpm() {
  if (!fs.existsSync(path.join(SOURCE, 'index.js'))) {
    throw new Error(path.relative(ROOT, SOURCE) + '/index.js is missing: run `npm run build` first')
  }
  fs.rmSync(TARGET, { recursive: true, force: true })
  fs.mkdirSync(TARGET, { recursive: true })
  fs.cpSync(SOURCE, TARGET, { recursive: true })
  return TARGET
}

module.exports = { buildNpm, TARGET }

if (require.main === module) {
  try {
    console.log('miniprogram_npm ready: ' + path.relative(process.cwd(), buildNpm()))
  } catch (err) {
    console.error(err.message)
    process.exit(1)
  }
}
