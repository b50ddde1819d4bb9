// A WeChat mini-program logic layer, small enough to read, in a node:vm realm: the globals a
// built mini-program (uni-app's or Taro's output) uses at start-up — wx, App, Page, Component,
// getApp, getCurrentPages, a CommonJS require over the build folder — and page instances with a
// real setData (path keys like `a.b[0].c`). `wx` is the caller's (here the Node wx.request of
// miniprogram-eventsource/node, pointed at a local server) plus inert stubs for the system APIs
// the frameworks' runtimes call at start-up.
'use strict'
const fs = require('node:fs')
const path = require('node:path')
const vm = require('node:vm')

/** Inert answers for the wx APIs uni's and Taro's runtimes call while starting. */
function systemStubs() {
  const info = { platform: 'devtools', SDKVersion: '3.7.0', language: 'zh_CN', version: '8.0.50', pixelRatio: 2, screenWidth: 375, screenHeight: 812, windowWidth: 375, windowHeight: 812, statusBarHeight: 20, safeArea: { top: 20, bottom: 812, left: 0, right: 375, width: 375, height: 792 }, theme: 'light', host: { env: 'WeChat' }, brand: 'devtools', model: 'iPhone X', system: 'iOS 16', deviceOrientation: 'portrait', hostName: 'WeChat', enableDebug: false }
  const storage = new Map()
  const noop = () => {}
  return {
    getSystemInfoSync: () => ({ ...info }),
    getAppBaseInfo: () => ({ ...info }),
    getWindowInfo: () => ({ ...info }),
    getDeviceInfo: () => ({ ...info }),
    getSystemSetting: () => ({}),
    getAppAuthorizeSetting: () => ({}),
    getAccountInfoSync: () => ({ miniProgram: { appId: 'touristappid', envVersion: 'develop', version: '' } }),
    getLaunchOptionsSync: () => ({ path: 'pages/index/index', query: {}, scene: 1001, referrerInfo: {} }),
    getEnterOptionsSync: () => ({ path: 'pages/index/index', query: {}, scene: 1001, referrerInfo: {} }),
    canIUse: () => true,
    getStorageSync: (k) => (storage.has(k) ? storage.get(k) : ''),
    setStorageSync: (k, v) => void storage.set(k, v),
    removeStorageSync: (k) => void storage.delete(k),
    getStorage: (o) => (storage.has(o.key) ? o.success && o.success({ data: storage.get(o.key) }) : o.fail && o.fail({ errMsg: 'getStorage:fail data not found' })),
    setStorage: (o) => { storage.set(o.key, o.data); if (o.success) o.success({ errMsg: 'setStorage:ok' }) },
    onAppShow: noop, onAppHide: noop, offAppShow: noop, offAppHide: noop, onError: noop, onUnhandledRejection: noop,
    onPageNotFound: noop, onThemeChange: noop, onMemoryWarning: noop, onNetworkStatusChange: noop, onWindowResize: noop,
    reportAnalytics: noop, nextTick: (fn) => setTimeout(fn, 0),
    createSelectorQuery: () => ({ in() { return this }, select() { return this }, selectAll() { return this }, boundingClientRect() { return this }, exec: noop }),
    getMenuButtonBoundingClientRect: () => ({ width: 87, height: 32, top: 24, right: 365, bottom: 56, left: 278 })
  }
}

function setPath(data, key, value) {
  const parts = key.match(/[^.[\]]+/g)
  let target = data
  for (let i = 0; i < parts.length - 1; i++) {
    const k = parts[i]
    if (target[k] === null || typeof target[k] !== 'object') target[k] = /^\d+$/.test(parts[i + 1]) ? [] : {}
    target = target[k]
  }
  target[parts[parts.length - 1]] = value
}

/**
 * @param {object} options
 * @param {string} options.root the built mini-program folder (app.js, app.json, pages…)
 * @param {object} options.wx the wx object (its `request` streams); system stubs are added under it
 * @param {object} [options.globals] more globals for the realm
 */
function createMiniProgramRealm({ root, wx, globals = {} }) {
  const apps = []
  const pageDefinitions = new Map() // route -> options given to Page()/Component()
  const pages = [] // mounted page instances, the page stack
  const setDataLog = [] // { route, patch } in call order
  const modules = new Map()
  let defining = null // the route whose file is being evaluated

  const fullWx = Object.assign(systemStubs(), wx)
  const sandbox = {
    console,
    setTimeout, clearTimeout, setInterval, clearInterval, queueMicrotask,
    wx: fullWx,
    App(options) { apps.push(options) },
    Page(options) { pageDefinitions.set(defining, { kind: 'page', options }) },
    Component(options) { pageDefinitions.set(defining, { kind: 'component', options }) },
    Behavior(options) { return options },
    getApp() { return apps[0] },
    getCurrentPages() { return pages.slice() },
    requirePlugin() { throw new Error('no plugins') },
    ...globals
  }
  sandbox.global = sandbox
  const context = vm.createContext(sandbox)

  function load(file) {
    const abs = path.resolve(root, file)
    if (modules.has(abs)) return modules.get(abs).exports
    const module = { exports: {} }
    modules.set(abs, module)
    const source = fs.readFileSync(abs, 'utf8')
    const fn = vm.runInContext('(function (require, module, exports, __filename, __dirname) {' + source + '\n})', context, { filename: abs })
    const require = (request) => {
      const target = path.resolve(path.dirname(abs), request)
      return load(fs.existsSync(target) ? target : target + '.js')
    }
    fn.call(module.exports, require, module, module.exports, abs, path.dirname(abs))
    return module.exports
  }

  /** Runs app.js (which requires the vendor chunk) and each page's file, as WeChat does at launch. */
  function launch() {
    const appJson = JSON.parse(fs.readFileSync(path.join(root, 'app.json'), 'utf8'))
    load('app.js')
    for (const app of apps) if (typeof app.onLaunch === 'function') app.onLaunch.call(app, { path: appJson.pages[0], query: {}, scene: 1001 })
    for (const route of appJson.pages) {
      defining = route
      load(route + '.js')
      defining = null
    }
    for (const app of apps) if (typeof app.onShow === 'function') app.onShow.call(app, { path: appJson.pages[0], query: {}, scene: 1001 })
    return appJson
  }

  /** Creates a page instance the way the base library does, and runs its load lifecycle. */
  function openPage(route, query = {}) {
    const def = pageDefinitions.get(route)
    if (!def) throw new Error('no Page/Component registered for ' + route)
    const o = def.options
    const data = JSON.parse(JSON.stringify(o.data || {}))
    const inst = {
      is: route,
      route,
      __wxWebviewId__: pages.length + 1,
      __wxExparserNodeId__: 'node' + (pages.length + 1),
      data,
      properties: data,
      options: query,
      setData(patch, cb) {
        setDataLog.push({ route, patch: JSON.parse(JSON.stringify(patch)) })
        for (const key of Object.keys(patch)) setPath(data, key, patch[key])
        if (typeof cb === 'function') setTimeout(cb, 0)
      },
      triggerEvent() {},
      selectComponent() { return null },
      selectAllComponents() { return [] },
      createSelectorQuery: fullWx.createSelectorQuery,
      getPageId() { return 'pageId:' + inst.__wxWebviewId__ },
      getOpenerEventChannel() { return { on() {}, emit() {} } }
    }
    const methods = def.kind === 'component' ? o.methods || {} : o
    for (const [name, value] of Object.entries(methods)) if (typeof value === 'function' && !(name in inst)) inst[name] = value.bind(inst)
    pages.push(inst)
    const lifetimes = o.lifetimes || {}
    const call = (name, ...args) => {
      const fn = lifetimes[name] || o[name]
      if (typeof fn === 'function') fn.apply(inst, args)
    }
    call('created')
    call('attached')
    if (typeof inst.onLoad === 'function') inst.onLoad(query)
    if (typeof inst.onShow === 'function') inst.onShow()
    call('ready')
    if (typeof inst.onReady === 'function') inst.onReady()
    return inst
  }

  return { context, sandbox, wx: fullWx, launch, openPage, setDataLog, pages, apps, load }
}

module.exports = { createMiniProgramRealm }
