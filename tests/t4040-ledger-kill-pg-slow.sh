#!/bin/sh
# t4040-ledger-kill-slow.sh on PostgreSQL (tests/ledger-backend.sh).
IS_TEST_LEDGER_BACKEND=postgres exec sh "$(dirname "$0")/t4040-ledger-kill-slow.sh"
