/* What crosses the channels of a Click network-function FWP (clicknf,
 * docs/clicknf.md). Every slot is one Ethernet frame; the slot's meta word
 * says what it is. Shared by clicknf and the programs that drive it. */
#ifndef CLICKNF_PROTO_H
#define CLICKNF_PROTO_H

#define CLICKNF_META_FRAME 0u          /* an Ethernet frame, in or out */
/* In: read handlers. Data: handler names ("passed.count filter.drops"),
 * separated by spaces or newlines; empty asks for every read handler of
 * every element whose value fits on one line.
 * Out: the answer, "elem.handler=value" lines, in one or more slots; aux is
 * 1 on the last slot of an answer, 0 before it. */
#define CLICKNF_META_STATS 0x53544154u /* "STAT" */
/* In: commit a fault (a write through a null pointer). Honoured only by an
 * instance started with --allow-fault; ignored (and counted) otherwise. */
#define CLICKNF_META_FAULT 0x46415554u /* "FAUT" */

/* Activation argument: bits 0-15 the send channel's capability index,
 * bits 16-31 the notification's (the one the inbox channel signals). */
#define CLICKNF_ARG(send_idx, ntfn_idx) ((unsigned long)(send_idx) | (unsigned long)(ntfn_idx) << 16)
#endif
