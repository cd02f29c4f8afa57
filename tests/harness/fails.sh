#!/bin/bash
# Harness self-test: a test whose assertion fails must be reported FAIL.
# guest-timeout: 30
. "$COWWATCH_SRC/tests/lib/guest-lib.sh"
expect_eq "$((6 * 7))" 43 "deliberately wrong product"
