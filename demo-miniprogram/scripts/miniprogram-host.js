'use strict'
/**
 * A minimal mini-program runtime for Node, enough to run the demo's page file as it is:
 *
 * - a module loader that resolves like the WeChat client: relative paths, `/`-absolute paths from
 *   the miniprogramRoot, and package names from the nearest `miniprogram_npm/` folder. Node
 *   built-ins are not available, nor are Node globals (process, Buffer, global, __dirname…),
 *   so code that would break on a phone breaks here too;
 * - `Page()` and a page instance whose `setData` applies path updates (`messages[3].content`)
 *   to `this.data`, counts every call and tells listeners (a WXML renderer, the terminal).
 *
 * `wx` is what the caller passes (the demo passes the library's Node `wx.request`), plus the app
 * lifecycle (`wx.onAppHide`/`onAppShow` and their `off…`), fired by `runtime.hide()`/`runtime.show()`.
 */
const fs = require('fs')
const path = require('path')
const vm = require('vm')

const SHADOWED_GLOBALS = ['process', 'Buffer', 'global', '__dirname', '__filename', 'setImmediate', 'TextDecoder', 'TextEncoder']

/**
 * @param {{ root: string, wx: object }} options root: the miniprogramRoot folder
 */
function createMiniprogramRuntime(options) {
  const root = path.resolve(options.root)
  const lifecycle = { hide: [], show: [] }
  const wx = Object.assign({
    onAppHide: (cb) => lifecycle.hide.push(cb),
    onAppShow: (cb) => lifecycle.show.push(cb),
    offAppHide: (cb) => { lifecycle.hide = lifecycle.hide.filter((f) => f !== cb) },
    offAppShow: (cb) => { lifecycle.show = lifecycle.show.filter((f) => f !== cb) }
  }, options.wx)
  const cache = new Map()
  const pages = new Map()
  let loadingPage = null

  const runtime = {
    root: root,
    wx: wx,
    /** The app goes to the background: `wx.onAppHide` listeners run. */
    hide: function () {
      lifecycle.hide.slice().forEach((cb) => cb())
    },
    /** The app comes back: `wx.onAppShow` listeners run. */
    show: function () {
      lifecycle.show.slice().forEach((cb) => cb({ path: '', query: {}, scene: 1001 }))
    },
    /** How many lifecycle listeners are registered (a page must remove its own). */
    get lifecycleListeners() {
      return lifecycle.hide.length + lifecycle.show.length
    },
    /** `require(id)` as seen from `fromFile` (default: the root). */
    require: function (id, fromFile) {
      return loadModule(resolve(id, fromFile || path.join(root, 'app.js')))
    },
    /** Loads a page file (`pages/chat/chat`) and returns a PageHost for it. */
    loadPage: function (route) {
      const file = path.join(root, route + '.js')
      loadingPage = route
      try {
        loadModule(file)
      } finally {
        loadingPage = null
      }
      if (!pages.has(route)) throw new Error(route + '.js did not call Page()')
      return createPageHost(route, pages.get(route))
    }
  }

  function resolve(id, fromFile) {
    let base
    if (id.startsWith('./') || id.startsWith('../')) base = path.resolve(path.dirname(fromFile), id)
    else if (id.startsWith('/')) base = path.join(root, id)
    else return resolvePackage(id, fromFile)
    const found = firstFile([base, base + '.js', path.join(base, 'index.js')])
    if (!found) throw new Error('module "' + id + '" is not defined (required from ' + path.relative(root, fromFile) + ')')
    return found
  }

  // As the client does: look for miniprogram_npm/<name> in the file's folder, then upwards to the root.
  function resolvePackage(id, fromFile) {
    let dir = path.dirname(fromFile)
    for (;;) {
      const base = path.join(dir, 'miniprogram_npm', id)
      const found = firstFile([path.join(base, 'index.js'), base + '.js', base])
      if (found) return found
      if (dir === root || !dir.startsWith(root)) break
      dir = path.dirname(dir)
    }
    throw new Error('module "' + id + '" is not defined: no miniprogram_npm/' + id +
      ' (build it with `node demo-miniprogram/scripts/build-npm.js`)')
  }

  function loadModule(file) {
    if (cache.has(file)) return cache.get(file).exports
    const module = { exports: {} }
    cache.set(file, module)
    const params = ['require', 'module', 'exports', 'Page', 'App', 'getApp', 'Component', 'wx'].concat(SHADOWED_GLOBALS)
    const source = '(function (' + params.join(', ') + ') {' + fs.readFileSync(file, 'utf8') + '\n})'
    const fn = vm.runInThisContext(source, { filename: file })
    const localRequire = function (id) {
      return loadModule(resolve(id, file))
    }
    const args = [localRequire, module, module.exports, Page, App, getApp, Component, wx]
    try {
      fn.apply(undefined, args.concat(SHADOWED_GLOBALS.map(() => undefined)))
    } catch (err) {
      cache.delete(file)
      throw err
    }
    return module.exports
  }

  function Page(definition) {
    if (!loadingPage) throw new Error('Page() called outside of a page file')
    pages.set(loadingPage, definition)
  }
  function App() {}
  function getApp() {
    return {}
  }
  function Component() {
    throw new Error('Component() is not supported by this host')
  }

  return runtime
}

function firstFile(candidates) {
  for (const file of candidates) {
    try {
      if (fs.statSync(file).isFile()) return file
    } catch (e) {
      // try the next one
    }
  }
  return null
}

/**
 * A page instance like the client's: methods and `data` from the definition, `setData`, and
 * helpers to drive it as a user would.
 */
function createPageHost(route, definition) {
  const page = { route: route, data: cloneData(definition.data || {}) }
  Object.keys(definition).forEach((key) => {
    if (key !== 'data') page[key] = definition[key]
  })
  const listeners = []
  const host = {
    page: page,
    /** Every setData call in order: { at, update, bytes } (bytes: UTF-8 size of the update's JSON, as sent). */
    calls: [],
    get setDataCount() {
      return host.calls.length
    },
    /** Called with (update, data) after each setData. */
    onSetData(listener) {
      listeners.push(listener)
    },
    load(query) {
      if (page.onLoad) page.onLoad(query || {})
      if (page.onShow) page.onShow()
      if (page.onReady) page.onReady()
      return host
    },
    unload() {
      if (page.onUnload) page.onUnload()
    },
    /** A tap on an element with `bindtap="method"` and these `data-*` values. */
    tap(method, dataset) {
      return page[method](createEvent('tap', {}, dataset))
    },
    /** Typing into an `<input bindinput="method">`. */
    input(method, value) {
      return page[method](createEvent('input', { value: value, cursor: value.length }, {}))
    }
  }

  page.setData = function (update, callback) {
    // The client serialises the update to send it to the render layer: do the same, so data
    // that would not survive (functions, undefined) fails here too.
    const json = JSON.stringify(update)
    const sent = JSON.parse(json)
    Object.keys(update).forEach((key) => {
      if (update[key] === undefined) throw new Error('setData: ' + key + ' is undefined')
    })
    // `data` gets its own copy: later path updates must not change what this call recorded.
    const applied = JSON.parse(json)
    Object.keys(applied).forEach((key) => setPath(page.data, key, applied[key]))
    host.calls.push({ at: Date.now(), update: sent, bytes: Buffer.byteLength(json) })
    listeners.forEach((listener) => listener(sent, page.data))
    if (typeof callback === 'function') setTimeout(callback, 0)
  }

  return host
}

function createEvent(type, detail, dataset) {
  const target = { id: '', dataset: dataset || {} }
  return { type: type, timeStamp: Date.now(), detail: detail, target: target, currentTarget: target }
}

function cloneData(value) {
  return JSON.parse(JSON.stringify(value))
}

/** Applies a setData key such as `messages[3].content` or `a.b[0]`. */
function setPath(data, key, value) {
  const parts = []
  key.replace(/([^.[\]]+)|\[(\d+)\]/g, (m, name, index) => {
    parts.push(index !== undefined ? Number(index) : name)
    return m
  })
  let target = data
  for (let i = 0; i < parts.length - 1; i++) {
    const part = parts[i]
    if (target[part] === null || typeof target[part] !== 'object') {
      target[part] = typeof parts[i + 1] === 'number' ? [] : {}
    }
    target = target[part]
  }
  target[parts[parts.length - 1]] = value
}

module.exports = { createMiniprogramRuntime, setPath }
