'use strict'
/**
 * demo-miniprogram/scripts/screenshot.js still makes the README's picture: the chat page
 * mid-answer, from the real WXML/WXSS, by headless Chromium (skipped where there is none,
 * unless REQUIRE_BROWSER is set, as in CI).
 */
const fs = require('fs')
const os = require('os')
const path = require('path')
const { spawn } = require('child_process')

const SCRIPT = path.resolve(__dirname, '..', '..', 'demo-miniprogram', 'scripts', 'screenshot.js')
const HAVE_CHROMIUM = fs.existsSync('/usr/bin/chromium')
const maybe = HAVE_CHROMIUM || process.env.REQUIRE_BROWSER ? test : test.skip

maybe('writes a 750 px wide PNG of the page mid-answer', async () => {
  const out = path.join(fs.mkdtempSync(path.join(os.tmpdir(), 'chat-shot-')), 'chat.png')
  const result = await new Promise((resolve) => {
    const child = spawn(process.execPath, [SCRIPT, '--out', out])
    let log = ''
    child.stdout.on('data', (d) => (log += d))
    child.stderr.on('data', (d) => (log += d))
    const timer = setTimeout(() => child.kill(), 60000)
    child.on('close', (code) => {
      clearTimeout(timer)
      resolve({ code, log })
    })
  })
  expect(result.log).toContain('screenshot: ')
  expect(result.code).toBe(0)
  const png = fs.readFileSync(out)
  expect(png.subarray(1, 4).toString()).toBe('PNG')
  // IHDR: width and height, big-endian, at bytes 16 and 20 (deviceScaleFactor 2).
  expect(png.readUInt32BE(16)).toBe(750)
  expect(png.readUInt32BE(20)).toBe(2080)
}, 70000)
