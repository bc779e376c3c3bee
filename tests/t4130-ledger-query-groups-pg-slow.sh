#!/bin/sh
# t4130-ledger-query-groups.sh on PostgreSQL (tests/ledger-backend.sh).
IS_TEST_LEDGER_BACKEND=postgres exec sh "$(dirname "$0")/t4130-ledger-query-groups.sh"
