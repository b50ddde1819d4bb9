/**
 * The fetch transport's host: Node's own fetch (undici) against a local node:http server, which
 * the test plays through ServerRequest. Detected by the universal entry when no mini-program
 * global exists (as in a browser or Node).
 */
import * as http from 'node:http'
import type { AddressInfo, Socket } from 'node:net'
import type { Host, ServerRequest } from './types'
import { lowerCase, requestQueue } from './types'
import { connectEventSource } from '../../../src/universal'

export async function fetchHost(): Promise<Host> {
  const queue = requestQueue()
  const sockets = new Set<Socket>()
  const server = http.createServer((req, res) => {
    const chunks: Buffer[] = []
    req.on('data', (c) => chunks.push(c))
    req.on('end', () => {
      let closed = false
      res.on('close', () => {
        closed = true
      })
      const request: ServerRequest = {
        method: req.method || 'GET',
        url: 'http://' + req.headers.host + req.url,
        header: lowerCase(req.headers as Record<string, any>),
        body: chunks.length ? Buffer.concat(chunks).toString('utf8') : undefined,
        get aborted() {
          return closed && !res.writableFinished
        },
        respond(statusCode, header) {
          res.writeHead(statusCode, header)
          res.flushHeaders()
        },
        write(text) {
          if (!res.destroyed) res.write(text)
        },
        end() {
          if (!res.destroyed) res.end()
        },
        fail() {
          req.socket.destroy()
        },
        late() {
          if (!res.destroyed) res.end('data: late\n\n')
        }
      }
      queue.push(request)
    })
  })
  server.on('connection', (socket) => {
    socket.setNoDelay(true)
    sockets.add(socket)
    socket.on('close', () => sockets.delete(socket))
  })
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve))
  const origin = `http://127.0.0.1:${(server.address() as AddressInfo).port}`
  return {
    name: 'fetch (Node)',
    origin,
    normalEnd: 200,
    streams: true,
    native: false,
    connect: (o) => connectEventSource(o as any),
    nextRequest: () => queue.next(),
    requests: queue.all,
    ownReconnects: 0,
    dispose: () =>
      new Promise<void>((resolve) => {
        for (const socket of sockets) socket.destroy()
        server.close(() => resolve())
      })
  }
}
