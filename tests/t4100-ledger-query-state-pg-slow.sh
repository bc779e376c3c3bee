#!/bin/sh
# t4100-ledger-query-state.sh on PostgreSQL (tests/ledger-backend.sh).
IS_TEST_LEDGER_BACKEND=postgres exec sh "$(dirname "$0")/t4100-ledger-query-state.sh"
