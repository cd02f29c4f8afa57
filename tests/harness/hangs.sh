#!/bin/bash
# Harness self-test: stands for a guest that hangs. Its own limit is long,
# the host's hard limit (--qemu-timeout) short: the host must kill the guest
# and report FAIL, never wait.
# guest-timeout: 600
sleep 600
