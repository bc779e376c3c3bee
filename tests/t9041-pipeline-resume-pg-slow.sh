#!/bin/sh
# t9040-pipeline-resume.sh on PostgreSQL (tests/ledger-backend.sh).
IS_TEST_LEDGER_BACKEND=postgres exec sh "$(dirname "$0")/t9040-pipeline-resume.sh"
