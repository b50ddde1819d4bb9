// What a script run by the `jsc` shell (JavaScriptCore's command line) needs to run this project's
// files: a CommonJS loader, timers, bytes from files. Loaded with `load()` by bench/jsc/child.js
// and by the scripts of test/jsc.test.ts; it defines one global, `jscHost`.
/* global load, read, readFile, print */
var jscHost = (function (global) {
  'use strict'
  var cache = {}

  /**
   * Loads a CommonJS file. `modules` maps the ids it requires to exports; relative ids resolve
   * against the file's folder and are loaded in turn. Node built-ins are not there: a file that
   * needs one cannot run in jsc, and says so.
   */
  function loadCommonJS(path, modules) {
    if (cache[path]) return cache[path].exports
    var module = { exports: {} }
    cache[path] = module
    var dir = path.slice(0, path.lastIndexOf('/') + 1)
    function require(id) {
      if (modules && Object.prototype.hasOwnProperty.call(modules, id)) return modules[id]
      if (id.charAt(0) === '.') return loadCommonJS(normalize(dir + id + (/\.js$/.test(id) ? '' : '.js')), modules)
      throw new Error('[jsc] require(' + JSON.stringify(id) + ') is not available in jsc')
    }
    new Function('module', 'exports', 'require', read(path) + '\n//# sourceURL=' + path)(module, module.exports, require)
    return module.exports
  }

  function normalize(path) {
    var out = []
    path.split('/').forEach(function (part) {
      if (part === '..') out.pop()
      else if (part !== '.') out.push(part)
    })
    return out.join('/')
  }

  /**
   * The shell has setTimeout but no clearTimeout, and its timers run only when the script's
   * top level has finished. The library needs both: a manual clock instead. Nothing fires unless
   * advance() is called, so a synchronous playback sees no timer at all.
   */
  function installTimers() {
    var timers = {}
    var nextId = 1
    var now = 0
    global.setTimeout = function (callback, ms) {
      var id = nextId++
      timers[id] = { callback: callback, at: now + Math.max(0, +ms || 0) }
      return id
    }
    global.clearTimeout = function (id) {
      delete timers[id]
    }
    return {
      pending: function () {
        return Object.keys(timers).length
      },
      /** Moves the clock on by ms, firing due timers in order. */
      advance: function (ms) {
        var until = now + ms
        for (;;) {
          var due = null
          for (var id in timers) if (timers[id].at <= until && (due === null || timers[id].at < timers[due].at)) due = id
          if (due === null) break
          var timer = timers[due]
          delete timers[due]
          now = timer.at
          timer.callback()
        }
        now = until
      }
    }
  }

  /** The bytes of a file, as a Uint8Array. */
  function bytes(path) {
    return readFile(path, 'binary')
  }

  return { loadCommonJS: loadCommonJS, installTimers: installTimers, bytes: bytes, print: print }
})(this)
