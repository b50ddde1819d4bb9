// Preloaded (node --require) into every integration process that runs third-party framework code
// (the uni CLI build, the built uni-app and Taro code in node:vm, miniprogram-ci): connections
// to anything but this machine's loopback are refused, and recorded in
// globalThis.__blockedConnections so a test can assert that none was tried.
'use strict'
const net = require('node:net')
const dns = require('node:dns')

const blocked = (globalThis.__blockedConnections = [])

function isLoopback(host) {
  if (host === undefined || host === null || host === '' || host === 'localhost') return true
  const h = String(host).replace(/^\[|\]$/g, '')
  return h === '::1' || /^127\.\d+\.\d+\.\d+$/.test(h) || /^::ffff:127\./.test(h)
}

function refuse(what) {
  blocked.push(what)
  const err = new Error('[integration] network access blocked: ' + what)
  err.code = 'EBLOCKED'
  return err
}

const connect = net.Socket.prototype.connect
net.Socket.prototype.connect = function (...args) {
  const first = args[0]
  let host
  let ipc = false // a unix socket / named pipe: local by nature
  const options = Array.isArray(first) ? first[0] : first // net's internal normalized form: [options, cb]
  if (options && typeof options === 'object') {
    host = options.host
    ipc = typeof options.path === 'string' && options.port === undefined && options.host === undefined
  } else if (typeof first === 'string' && isNaN(Number(first))) {
    ipc = true
  } else {
    host = typeof args[1] === 'string' ? args[1] : undefined
  }
  if (!ipc && !isLoopback(host)) {
    const err = refuse(String(host))
    process.nextTick(() => this.destroy(err))
    return this
  }
  return connect.apply(this, args)
}

for (const name of ['lookup', 'resolve', 'resolve4', 'resolve6']) {
  const original = dns[name]
  dns[name] = function (hostname, ...rest) {
    if (isLoopback(hostname)) return original.call(this, hostname, ...rest)
    const cb = rest[rest.length - 1]
    const err = refuse(String(hostname))
    if (typeof cb === 'function') process.nextTick(cb, err)
  }
}
const promises = dns.promises
for (const name of ['lookup', 'resolve', 'resolve4', 'resolve6']) {
  const original = promises[name]
  promises[name] = function (hostname, ...rest) {
    if (isLoopback(hostname)) return original.call(this, hostname, ...rest)
    return Promise.reject(refuse(String(hostname)))
  }
}
