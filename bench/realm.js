'use strict'
// Separate JavaScript realms (node:vm contexts) for code that must not see, or must not touch,
// this process's globals: a realm has the ECMAScript built-ins only, so no TextDecoder, no
// Buffer — as in a mini-program's logic layer on a phone.
const fs = require('node:fs')
const vm = require('node:vm')

// A "contextified" realm (vm.createContext(object)) answers every global lookup through an
// interceptor: code that reads `String` or `Math` in a loop runs ~100× slower there than on a
// phone. DONT_CONTEXTIFY (Node ≥ 20.18) gives an ordinary global object instead.
const DONT_CONTEXTIFY = vm.constants && vm.constants.DONT_CONTEXTIFY
if (!DONT_CONTEXTIFY) console.error('[bench] this Node has no vm.constants.DONT_CONTEXTIFY: code in realms runs far slower than it should; use Node >= 20.18')

/** A bare realm, plus whatever globals `extra` gives (console, timers, wx…). */
function createRealm(extra = {}) {
  const context = DONT_CONTEXTIFY ? vm.createContext(DONT_CONTEXTIFY) : vm.createContext({})
  Object.assign(context, extra)
  const realm = {
    context,
    global: vm.runInContext('this', context),
    run: (code, filename) => vm.runInContext(code, context, { filename }),
    /** Loads a CommonJS file; `require` is not available inside (mini-program code has none to use). */
    loadCommonJS(file) {
      const module = realm.run('({ exports: {} })')
      const wrapper = realm.run('(function (module, exports, require) {' + fs.readFileSync(file, 'utf8') + '\n})', file)
      wrapper(module, module.exports, (id) => {
        throw new Error('require(' + JSON.stringify(id) + ') is not available in this realm')
      })
      return module.exports
    },
    /** Copies byte chunks into this realm's own ArrayBuffers, as a phone's wx.request hands them over. */
    arrayBuffers(chunks) {
      const { ArrayBuffer: RealmArrayBuffer, Uint8Array: RealmUint8Array } = realm.global
      return chunks.map((chunk) => {
        const buffer = new RealmArrayBuffer(chunk.length)
        new RealmUint8Array(buffer).set(chunk)
        return buffer
      })
    }
  }
  if (realm.run('typeof TextDecoder') !== 'undefined') throw new Error('a bare realm should have no TextDecoder')
  return realm
}

/** Defines a function inside the realm from its source, so it allocates the realm's own arrays. */
function defineIn(realm, fn) {
  return realm.run('(' + fn.toString() + ')', fn.name + '.js')
}

module.exports = { createRealm, defineIn }
