'use strict'
// Streaming UTF-8 decoders, bytes in (ArrayBuffers, as wx.request delivers them) → text out.
// Each contender runs in its own realm, so the shims see no native TextDecoder to defer to
// (text-encoding-shim returns the global one when there is one) and install nothing here
// (fast-text-encoding writes onto the global object).
const fs = require('node:fs')
const path = require('node:path')
const { createRealm, defineIn } = require('../realm')
const { makeCarryDecoder } = require('./carry')
const library = require('./library')

const MODULES = path.join(library.ROOT, 'node_modules')

function textEncodingShim() {
  const realm = createRealm()
  // Its UMD header reads `global` or `self` to look for a native TextDecoder: give it `self`.
  realm.global.self = realm.global
  const { TextDecoder } = realm.loadCommonJS(path.join(MODULES, 'text-encoding-shim', 'index.js'))
  return { realm, TextDecoder, carry: defineIn(realm, makeCarryDecoder) }
}

function fastTextEncoding() {
  const realm = createRealm()
  // A browser-style script that installs TextEncoder/TextDecoder on its global object. With no
  // Buffer and no Blob in the realm it uses its pure-JS decoder, as on a phone.
  realm.run(fs.readFileSync(path.join(MODULES, 'fast-text-encoding', 'text.min.js'), 'utf8'), 'fast-text-encoding.js')
  return { realm, TextDecoder: realm.global.TextDecoder, carry: defineIn(realm, makeCarryDecoder) }
}

/** Every contender: { name, label, chunks(byteChunks) → its inputs, create() → {decode, end} }. */
function decoderContenders() {
  const own = library.miniProgram()
  const shim = textEncodingShim()
  const fte = fastTextEncoding()
  return [
    {
      name: 'own',
      short: 'own',
      label: 'own decoder (miniprogram_dist, no TextDecoder)',
      chunks: own.realm.arrayBuffers,
      create: () => own.exports.createUtf8Decoder()
    },
    {
      name: 'shim',
      short: 'shim+carry',
      label: 'text-encoding-shim + carry',
      chunks: shim.realm.arrayBuffers,
      create: () => shim.carry(shim.TextDecoder)
    },
    {
      name: 'fte',
      short: 'fte+carry',
      label: 'fast-text-encoding + carry',
      chunks: fte.realm.arrayBuffers,
      create: () => fte.carry(fte.TextDecoder)
    },
    {
      name: 'native',
      short: 'native',
      label: 'native TextDecoder (stream: true)',
      chunks: (chunks) => chunks.map((c) => c.buffer),
      create: nativeDecoder
    }
  ]
}

function nativeDecoder() {
  const decoder = new TextDecoder()
  return { decode: (bytes) => decoder.decode(bytes, { stream: true }), end: () => decoder.decode() }
}

/**
 * The shims used directly as a global TextDecoder, per chunk, with no carry: text-encoding-shim
 * with `{stream: true}` (which it ignores), fast-text-encoding without it (it throws on it).
 */
function rawContenders() {
  const shim = textEncodingShim()
  const fte = fastTextEncoding()
  const raw = ({ realm, TextDecoder }, options) => () => {
    const decoder = new TextDecoder()
    const RealmUint8Array = realm.global.Uint8Array
    return { decode: (bytes) => decoder.decode(new RealmUint8Array(bytes), options), end: () => '' }
  }
  return [
    { name: 'shim-raw', label: 'text-encoding-shim alone, {stream: true}', chunks: shim.realm.arrayBuffers, create: raw(shim, { stream: true }) },
    { name: 'fte-raw', label: 'fast-text-encoding alone, per chunk', chunks: fte.realm.arrayBuffers, create: raw(fte, undefined) }
  ]
}

module.exports = { decoderContenders, rawContenders, textEncodingShim, nativeDecoder }
