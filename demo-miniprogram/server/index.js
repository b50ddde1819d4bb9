#!/usr/bin/env node
'use strict'
/**
 * The demo backend from the command line.
 *
 *   node demo-miniprogram/server [--port 8787] [--host 127.0.0.1] [--rate 40] [--think-ms 800]
 *                                [--upstream https://<provider>/v1 --model <name>] [--max-tokens 4096]
 *                                [--token <shared token>] [--allowed-host <your.domain>,...]
 *
 * Proxy mode reads the key from UPSTREAM_API_KEY (or OPENAI_API_KEY); it never leaves this process.
 * Listening beyond loopback (`--host 0.0.0.0`) needs a token (`--token` or DEMO_TOKEN), which
 * clients send as `Authorization: Bearer <token>` or `X-Demo-Token`.
 */
const { createDemoServer, listen, DEFAULTS } = require('./app')

function parseArgs(argv) {
  const args = {}
  for (let i = 0; i < argv.length; i++) {
    const m = /^--([\w-]+)(?:=(.*))?$/.exec(argv[i])
    if (!m) throw new Error('Unexpected argument: ' + argv[i])
    if (m[1] === 'help') args.help = true
    else args[m[1]] = m[2] !== undefined ? m[2] : argv[++i]
  }
  return args
}

function main() {
  const args = parseArgs(process.argv.slice(2))
  if (args.help) {
    console.log('Usage: node demo-miniprogram/server [--port 8787] [--host 127.0.0.1] [--rate tokens/s] [--think-ms ms]\n' +
      '         [--upstream URL] [--model NAME] [--max-tokens N] [--token TOKEN (or DEMO_TOKEN)] [--allowed-host NAME,...]')
    return
  }
  const upstream = args.upstream || process.env.UPSTREAM_BASE_URL || ''
  const apiKey = process.env.UPSTREAM_API_KEY || process.env.OPENAI_API_KEY || ''
  if (upstream && !apiKey) console.warn('[demo-server] no UPSTREAM_API_KEY set: the provider will probably answer 401')
  const server = createDemoServer({
    upstream: upstream,
    apiKey: apiKey,
    model: args.model || '',
    tokensPerSecond: args.rate ? Number(args.rate) : DEFAULTS.tokensPerSecond,
    thinkMs: args['think-ms'] ? Number(args['think-ms']) : DEFAULTS.thinkMs,
    maxTokens: args['max-tokens'] ? Number(args['max-tokens']) : DEFAULTS.maxTokens,
    token: args.token || process.env.DEMO_TOKEN || '',
    allowedHosts: (args['allowed-host'] || '').split(',').map((name) => name.trim()).filter(Boolean),
    log: (line) => console.log('[demo-server] ' + line)
  })
  const port = args.port !== undefined ? Number(args.port) : Number(process.env.PORT || 8787)
  const host = args.host || process.env.HOST || '127.0.0.1'
  listen(server, port, host).then(
    (address) => {
      console.log('[demo-server] ' + (upstream ? 'proxy to ' + upstream : 'simulated model') +
        ' on http://' + address.host + ':' + address.port + '/v1/chat/completions')
    },
    (err) => {
      console.error('[demo-server] ' + err.message)
      process.exit(1)
    }
  )
}

main()
