#!/bin/bash
# guest-timeout: 60
setpriv --reuid=65534 --regid=65534 --clear-groups /.bb/busybox wc -c /etc/hostname
