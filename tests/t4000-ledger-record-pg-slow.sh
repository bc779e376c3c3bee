#!/bin/sh
# t4000-ledger-record.sh on PostgreSQL (tests/ledger-backend.sh).
IS_TEST_LEDGER_BACKEND=postgres exec sh "$(dirname "$0")/t4000-ledger-record.sh"
