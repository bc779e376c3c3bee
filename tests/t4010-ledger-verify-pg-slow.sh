#!/bin/sh
# t4010-ledger-verify.sh on PostgreSQL (tests/ledger-backend.sh).
IS_TEST_LEDGER_BACKEND=postgres exec sh "$(dirname "$0")/t4010-ledger-verify.sh"
