#!/bin/sh
# t4020-ledger-locks.sh on PostgreSQL (tests/ledger-backend.sh).
IS_TEST_LEDGER_BACKEND=postgres exec sh "$(dirname "$0")/t4020-ledger-locks.sh"
