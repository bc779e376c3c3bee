#!/bin/sh
# t4110-ledger-query-follow.sh on PostgreSQL (tests/ledger-backend.sh).
IS_TEST_LEDGER_BACKEND=postgres exec sh "$(dirname "$0")/t4110-ledger-query-follow.sh"
