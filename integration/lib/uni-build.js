'use strict'
// Builds a uni-app project with the uni CLI, with every connection but 127.0.0.1 refused
// (block-network.js), and checks the build tried none.
const assert = require('node:assert/strict')
const fs = require('node:fs')
const path = require('node:path')
const { spawnSync } = require('node:child_process')

const BLOCK = path.join(__dirname, 'block-network.js')
const UNI = require.resolve('@dcloudio/vite-plugin-uni/bin/uni.js')
// The build process reports the connections block-network.js refused (there must be none).
const REPORT = 'data:text/javascript,process.on("exit",()=>console.log("BLOCKED "+JSON.stringify(globalThis.__blockedConnections)))'

/** `uni build -p <platform>` in `project` (its dist/ removed first); returns the output folder. */
function buildUni(project, platform) {
  fs.rmSync(path.join(project, 'dist'), { recursive: true, force: true })
  const started = Date.now()
  const build = spawnSync(process.execPath, ['-r', BLOCK, '--import', REPORT, UNI, 'build', '-p', platform], {
    cwd: project,
    encoding: 'utf8',
    timeout: 300000,
    // CI=1: the uni CLI's update check (uni-cli-shared/dist/checkUpdate.js: a POST of the
    // compiler version and a hashed MAC address to DCloud on every build) returns at once.
    env: { ...process.env, NODE_ENV: 'production', CI: '1' }
  })
  if (build.status !== 0) throw new Error('uni build -p ' + platform + ' failed:\n' + build.stdout + build.stderr)
  console.log('# uni build -p ' + platform + ': ' + (Date.now() - started) + ' ms')
  assert.match(build.stdout, /^BLOCKED \[\]$/m, 'the uni CLI tried no connection beyond 127.0.0.1')
  return path.join(project, 'dist', 'build', platform)
}

module.exports = { buildUni }
