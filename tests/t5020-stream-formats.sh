# is-stream's CI formats: GitHub Actions workflow commands and a markdown
# summary against golden files; JUnit XML validated by xmllint against
# tests/schemas/junit.xsd, from the examples, a real pipeline, a stream cut
# short and is-parse's diagnostics.
. "$(dirname "$0")/lib.sh"

ex=$TOP/tests/stream/examples.ndjson
xsd=$TOP/tests/schemas/junit.xsd

is-stream -f github "$ex" >gh.out
same "github: the examples, as the golden file says" "$TOP/tests/golden/stream-examples.github" gh.out
check "github: a group per run" test "$(grep -c '^::group::' gh.out)" = 2
check "github: ... each closed" test "$(grep -c '^::endgroup::' gh.out)" = 2
check "github: a failure is an error at its manifest's file and line" \
	grep -q '^::error file=share/examples/orders/data/orders-db.yaml,line=44,title=Command/orders-login FAILED::' gh.out
check "github: ... its newlines and % escaped" grep -q 'sqlite3 failed%0AError: .*100%25 <xml>' gh.out
check "github: STALLED and SKIPPED are warnings" \
	test "$(grep -c '^::warning file=.*title=[^:]* \(STALLED\|SKIPPED\)::' gh.out)" = 4
check "github: a diagnostic keeps its column" \
	grep -q '^::warning file=share/examples/orders/app/service.yaml,line=22,col=5,title=unknown-annotation::' gh.out
# Without resource records earlier in the stream there is no file to name.
grep -v '"type":"resource"' "$ex" | is-stream -f github >gh2.out
check "github: no source known, no file" \
	grep -q '^::error title=Command/orders-login FAILED::' gh2.out

is-stream -f markdown "$ex" >md.out
same "markdown: the examples, as the golden file says" "$TOP/tests/golden/stream-examples.md" md.out

# is-parse's own diagnostics, through GitHub and JUnit.
mkdir bad
printf 'apiVersion: infrastream/v1\nkind: Noop\nmetadata:\n  name: a\nsepc:\n  x: 1\n' >bad/a.yaml
is-parse -f json bad 2>/dev/null | is-stream -f github >diag.out
check "github: is-parse's error names the file, line and column" \
	grep -q '^::error file=bad/a.yaml,line=5,col=1,title=unknown-key::unknown top-level key' diag.out

# JUnit: well-formed and valid against the schema, with the counts right.
is-stream -f junit "$ex" >ex.xml
check "junit: the examples validate" xmllint --noout --schema "$xsd" ex.xml
check "junit: a suite per run" test "$(grep -c '<testsuite name="run ' ex.xml)" = 2
check "junit: a case per resource, groups left out" \
	test "$(grep -c '<testcase ' ex.xml)" = 9
check "junit: classname is the kind, name the id, time the seconds" \
	grep -q '<testcase classname="Command" name="Command/orders-db" time="45.504"/>' ex.xml
check "junit: FAILED is a failure with the error" \
	grep -q '<failure message="| pipes, 100% &lt;xml&gt; &amp; &quot;quotes&quot;" type="FAILED">exit 1: sqlite3 failed' ex.xml
check "junit: SKIPPED is skipped" test "$(grep -c '<skipped ' ex.xml)" = 3
check "junit: the totals" grep -q '<testsuites name="infrastream" tests="9" failures="1" errors="0" skipped="3"' ex.xml
is-stream -f junit /dev/null >empty.xml
check "junit: no input is a valid empty report" xmllint --noout --schema "$xsd" empty.xml

mkdir demo
ln -s "$TOP/share" share
IS_DEMO_DIR=$T/demo is-parse share/examples/orders | is-graph | is-exec | is-stream -f junit >run.xml
check "junit: a real run validates" xmllint --noout --schema "$xsd" run.xml
check "junit: ... with its failure" grep -q '<failure message="secret' run.xml

# A stream cut mid-run: what was still going is an error, not a pass.
head -n 20 "$ex" | is-stream -f junit >cut.xml
check "junit: a stream cut short validates" xmllint --noout --schema "$xsd" cut.xml
check "junit: ... what was running is an error" \
	grep -q '<error message="no final status: CREATING when the input ended" type="INCOMPLETE"/>' cut.xml

is-parse -f json bad 2>/dev/null | is-stream -f junit >diag.xml
check "junit: diagnostics validate" xmllint --noout --schema "$xsd" diag.xml
check "junit: ... an error diagnostic is a failed case" \
	grep -q '<testcase classname="diagnostic" name="bad/a.yaml:5:1 unknown-key"' diag.xml
