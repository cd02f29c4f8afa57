/* SPDX-License-Identifier: GPL-2.0 WITH Linux-syscall-note */
/*
 * cowwatch: the protocol between the kernel module and its readers.
 *
 * This one header is included by the module (kmod/) and by the reader
 * (user/), so the two cannot disagree on a command or attribute number.
 * Any change to the wire format bumps COWWATCH_GENL_VERSION; readers refuse
 * to talk to a module of another protocol version.
 */
#ifndef _UAPI_COWWATCH_H
#define _UAPI_COWWATCH_H

/* Release of the module and reader; dkms.conf carries the same string. */
#define COWWATCH_RELEASE	"0.1.0"

/* Generic netlink family. */
#define COWWATCH_GENL_NAME	"cowwatch"
#define COWWATCH_GENL_VERSION	1

#endif /* _UAPI_COWWATCH_H */
