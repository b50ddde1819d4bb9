// The jsc section's measurements, run inside the `jsc` shell by bench/jsc.js:
//   jsc [--useJIT=false] bench/jsc/child.js -- <manifest.json>
// The manifest names the repository root, the profile and each workload's input file; the
// result (the same shape as a Node section) is printed as one JSON line.
/* global load, read, print, arguments */
;(function (args) {
  'use strict'
  var manifest = JSON.parse(read(args[0]))
  load(manifest.root + '/bench/jsc/host.js')
  var host = jscHost // eslint-disable-line no-undef
  var root = manifest.root
  host.installTimers()
  globalThis.self = globalThis // text-encoding-shim's UMD header looks for `self`
  var harness = host.loadCommonJS(root + '/bench/harness.js')
  var play = host.loadCommonJS(root + '/bench/contenders/play.js')
  var makeCarryDecoder = host.loadCommonJS(root + '/bench/contenders/carry.js').makeCarryDecoder
  var ShimTextDecoder = host.loadCommonJS(root + '/node_modules/text-encoding-shim/index.js').TextDecoder
  var lib = host.loadCommonJS(root + '/miniprogram_dist/index.js')
  var espParser = loadEventsourceParser(root + '/node_modules/eventsource-parser/dist/')

  /** eventsource-parser ships ES modules only: its two files, as one script. */
  function loadEventsourceParser(dir) {
    var source = [read(dir + 'errors.js'), read(dir + 'parse.js')]
      .join('\n')
      .replace(/^import .*$/gm, '')
      .replace(/^export /gm, '')
    return new Function(source + '\nreturn createParser')()
  }

  function chunk(bytes, size) {
    var chunks = []
    for (var i = 0; i < bytes.length; i += size) chunks.push(bytes.slice(i, i + size).buffer)
    return chunks
  }

  function fail(message) {
    throw new Error('[bench jsc] ' + message)
  }

  function decoderWorkload(spec) {
    return {
      name: spec.name,
      title: spec.title,
      make: function () {
        var buffers = chunk(host.bytes(spec.file), spec.size)
        var decode = function (create) {
          return function () {
            var d = create()
            var length = 0
            for (var i = 0; i < buffers.length; i++) length += d.decode(buffers[i]).length
            return length + d.end().length
          }
        }
        return {
          bytes: spec.bytes,
          contenders: [
            { name: 'own', short: 'own', label: 'own decoder (miniprogram_dist)', run: decode(lib.createUtf8Decoder) },
            { name: 'shim', short: 'shim+carry', label: 'text-encoding-shim + carry', run: decode(function () { return makeCarryDecoder(ShimTextDecoder) }) }
          ],
          check: function (contender, length) {
            if (length !== spec.length) fail(spec.name + ': ' + contender.label + ' gave ' + length + ' code units, expected ' + spec.length)
          },
          verify: function () {}
        }
      }
    }
  }

  function e2eWorkload(spec) {
    return {
      name: spec.name,
      title: spec.title,
      make: function () {
        var buffers = chunk(host.bytes(spec.file), spec.size)
        return {
          bytes: spec.bytes,
          contenders: [
            {
              name: 'own',
              short: 'own',
              label: 'miniprogram_dist connectEventSource, fake wx.request',
              run: function () {
                return play.playOwn(lib, buffers).count
              }
            },
            {
              name: 'assembly',
              short: 'assembly',
              label: 'text-encoding-shim + carry + eventsource-parser',
              run: function () {
                var count = 0
                var decoder = makeCarryDecoder(ShimTextDecoder)
                var parser = espParser({ onEvent: function () { count++ } })
                for (var i = 0; i < buffers.length; i++) parser.feed(decoder.decode(buffers[i]))
                parser.feed(decoder.end())
                return count
              }
            }
          ],
          check: function (contender, count) {
            if (count !== spec.events) fail(spec.name + ': ' + contender.label + ' gave ' + count + ' events, expected ' + spec.events)
          },
          verify: function () {}
        }
      }
    }
  }

  function run(workloads) {
    return workloads.map(function (workload) {
      var made = workload.make()
      made.name = workload.name
      made.title = workload.title
      var t = Date.now()
      var result = harness.measure(made, manifest.profile)
      result.title = workload.title
      host.print('[progress] ' + manifest.label + ' ' + workload.name + ' ' + ((Date.now() - t) / 1000).toFixed(1) + ' s')
      return result
    })
  }

  var sections = { decoder: run(manifest.decoder.map(decoderWorkload)), e2e: run(manifest.e2e.map(e2eWorkload)) }
  host.print('[result] ' + JSON.stringify({ clock: harness.clock, sections: sections }))
})(arguments)
