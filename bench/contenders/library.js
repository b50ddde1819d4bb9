'use strict'
// The project under test, loaded two ways:
//  - `node()`: dist/index.cjs in this process (parser-only workloads);
//  - `miniProgram()`: the built miniprogram_dist/index.js in a bare realm with no TextDecoder,
//    only ECMAScript built-ins, console, setTimeout/clearTimeout and a `wx` — a phone's logic layer.
const fs = require('node:fs')
const path = require('node:path')
const { createRealm } = require('../realm')

const ROOT = path.join(__dirname, '..', '..')
const NODE_BUILD = path.join(ROOT, 'dist', 'index.cjs')
const MINIPROGRAM_BUILD = path.join(ROOT, 'miniprogram_dist', 'index.js')

function requireBuilt(file) {
  if (!fs.existsSync(file)) throw new Error(path.relative(ROOT, file) + ' is missing: run `npm run build` first')
}

let nodeLibrary
function node() {
  requireBuilt(NODE_BUILD)
  if (!nodeLibrary) nodeLibrary = require(NODE_BUILD)
  return nodeLibrary
}

function noRequest() {
  throw new Error('the benchmark passes options.request; wx.request must not be called')
}

let miniProgramLibrary
function miniProgram() {
  requireBuilt(MINIPROGRAM_BUILD)
  if (!miniProgramLibrary) {
    const realm = createRealm({ console, setTimeout, clearTimeout, wx: { request: noRequest } })
    miniProgramLibrary = { realm, exports: realm.loadCommonJS(MINIPROGRAM_BUILD) }
  }
  return miniProgramLibrary
}

module.exports = { node, miniProgram, MINIPROGRAM_BUILD, ROOT }
