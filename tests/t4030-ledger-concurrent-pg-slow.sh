#!/bin/sh
# t4030-ledger-concurrent.sh on PostgreSQL (tests/ledger-backend.sh).
IS_TEST_LEDGER_BACKEND=postgres exec sh "$(dirname "$0")/t4030-ledger-concurrent.sh"
