'use strict'
// SSE parsers, text in → events out. Each contender: create(onEvent) → { feed(text) }.
const library = require('./library')

async function parserContenders() {
  const { createParser: ownParser } = library.node()
  // eventsource-parser is ESM only.
  const { createParser: esParser } = await import('eventsource-parser')
  return [
    {
      name: 'own',
      short: 'own',
      label: 'own createParser (dist/index.cjs)',
      create: (onEvent) => ownParser({ onEvent })
    },
    {
      name: 'esp',
      short: 'eventsource-parser',
      label: 'eventsource-parser ' + require('eventsource-parser/package.json').version,
      create: (onEvent) => esParser({ onEvent })
    }
  ].concat(candidate())
}

/**
 * BENCH_CANDIDATE_PARSER=path/to/file.js (a CommonJS module exporting createParser) adds a third
 * contender, to try a change to the parser against both before it goes into src/.
 */
function candidate() {
  const file = process.env.BENCH_CANDIDATE_PARSER
  if (!file) return []
  const { createParser } = require(require('node:path').resolve(file))
  return [{ name: 'candidate', short: 'candidate', label: 'candidate createParser (' + file + ')', create: (onEvent) => createParser({ onEvent }) }]
}

module.exports = { parserContenders }
