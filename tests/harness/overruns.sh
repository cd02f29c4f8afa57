#!/bin/bash
# Harness self-test: a test that outlives its own time limit must be
# reported FAIL (timed out), and the guest must go on to the next test.
# guest-timeout: 5
sleep 60
