/* SPDX-License-Identifier: (GPL-2.0-only OR BSD-2-Clause) */
/*
 * The datapath's own maps, beside the Cilium-compatible LB maps of
 * lb_abi.h: the socket reverse-NAT map the socket programs write on
 * connect/sendmsg and read on recvmsg/getpeername (Cilium's
 * cilium_lb4_reverse_sk has the same role), and the flow table the tc
 * programs keep so a flow stays on its backend and its replies are
 * reverse-translated. Only the eBPF programs write them; the loader pins
 * them and tests read them. Byte order as in lb_abi.h: addresses and
 * ports big-endian, rev_nat_index big-endian, backend IDs host order.
 */
#ifndef GWAPI_LB_DATAPATH_H
#define GWAPI_LB_DATAPATH_H

#include <linux/types.h>

#include "gwapi/lb_abi.h"

/* Pinned names, at most 15 characters, versioned. */
#define GWAPI_LB4_REVSK_MAP "gw_lb4_rsk_v1"
#define GWAPI_LB6_REVSK_MAP "gw_lb6_rsk_v1"
#define GWAPI_CT4_MAP "gw_ct4_v1"
#define GWAPI_CT6_MAP "gw_ct6_v1"

/* Both kinds are BPF_MAP_TYPE_LRU_HASH: stale entries age out. */
#define GWAPI_REVSK_DEFAULT_MAX_ENTRIES 65536
#define GWAPI_CT_DEFAULT_MAX_ENTRIES 65536

/*
 * Socket reverse NAT: (socket cookie, backend or proxy address and port the
 * socket was sent to) -> the frontend it asked for.
 */
struct gwapi_revsk4_key {
	__u64 cookie;
	__be32 address;
	__be16 port;
	__u16 pad;
};

struct gwapi_revsk4_val {
	__be32 address;        /* frontend VIP */
	__be16 port;           /* frontend port */
	__be16 rev_nat_index;  /* checked against cilium_lb4_reverse_nat */
};

struct gwapi_revsk6_key {
	__u64 cookie;
	union gwapi_lb_v6addr address;
	__be16 port;
	__u16 pad[3];
};

struct gwapi_revsk6_val {
	union gwapi_lb_v6addr address;
	__be16 port;
	__be16 rev_nat_index;
};

/* gwapi_ct*_key.dir */
#define GWAPI_CT_DIR_FWD 0 /* client -> frontend, as it arrives */
#define GWAPI_CT_DIR_REV 1 /* backend or proxy -> client, as it leaves */

/*
 * Flow table of the tc programs. A forward entry is keyed by the packet as
 * it arrives (client -> VIP) and holds the backend chosen for the flow; a
 * reverse entry is keyed by the reply as it leaves (backend -> client) and
 * holds the rev-NAT index whose cilium_lb4_reverse_nat entry restores the
 * VIP as the source.
 */
struct gwapi_ct4_key {
	__be32 saddr;
	__be32 daddr;
	__be16 sport;
	__be16 dport;
	__u8 proto;
	__u8 dir;
	__u8 pad[2];
};

struct gwapi_ct6_key {
	union gwapi_lb_v6addr saddr;
	union gwapi_lb_v6addr daddr;
	__be16 sport;
	__be16 dport;
	__u8 proto;
	__u8 dir;
	__u8 pad[2];
};

struct gwapi_ct_val {
	__u32 backend_id;      /* forward: chosen backend; 0 for the L7 proxy */
	__be16 rev_nat_index;  /* both directions */
	__u16 pad;
};

GWAPI_LB_ASSERT_SIZE(struct gwapi_revsk4_key, 16);
GWAPI_LB_ASSERT_OFFSET(struct gwapi_revsk4_key, address, 8);
GWAPI_LB_ASSERT_OFFSET(struct gwapi_revsk4_key, port, 12);
GWAPI_LB_ASSERT_SIZE(struct gwapi_revsk4_val, 8);
GWAPI_LB_ASSERT_SIZE(struct gwapi_revsk6_key, 32);
GWAPI_LB_ASSERT_OFFSET(struct gwapi_revsk6_key, address, 8);
GWAPI_LB_ASSERT_OFFSET(struct gwapi_revsk6_key, port, 24);
GWAPI_LB_ASSERT_SIZE(struct gwapi_revsk6_val, 20);
GWAPI_LB_ASSERT_SIZE(struct gwapi_ct4_key, 16);
GWAPI_LB_ASSERT_OFFSET(struct gwapi_ct4_key, proto, 12);
GWAPI_LB_ASSERT_SIZE(struct gwapi_ct6_key, 40);
GWAPI_LB_ASSERT_OFFSET(struct gwapi_ct6_key, proto, 36);
GWAPI_LB_ASSERT_SIZE(struct gwapi_ct_val, 8);

#endif /* GWAPI_LB_DATAPATH_H */
