#!/bin/sh
# t4140-ledger-checkpoints.sh on PostgreSQL (tests/ledger-backend.sh).
IS_TEST_LEDGER_BACKEND=postgres exec sh "$(dirname "$0")/t4140-ledger-checkpoints.sh"
