#!/bin/sh
# t4120-ledger-query-deep.sh on PostgreSQL (tests/ledger-backend.sh).
IS_TEST_LEDGER_BACKEND=postgres exec sh "$(dirname "$0")/t4120-ledger-query-deep.sh"
