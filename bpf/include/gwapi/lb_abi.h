/* SPDX-License-Identifier: (GPL-2.0-only OR BSD-2-Clause) */
/*
 * The load-balancer map ABI: every key and value of the service, backend
 * and reverse-NAT maps, byte-compatible with Cilium 1.16 so that either
 * datapath can read what the other side wrote. This header is the only
 * definition; the eBPF programs (clang -target bpf) and the C++ writer
 * (lib/lb) both include it, and the asserts at the end pin every size and
 * offset.
 *
 * Byte order: addresses, ports and rev_nat_index are big-endian (network
 * order) everywhere they appear, including the reverse-NAT key. Backend
 * IDs, backend_slot, count and cluster_id are host order. On the master
 * entry (backend_slot 0) of an L7 load-balancer frontend the union holds
 * the proxy port as htons(port) widened to 32 bits, so its bytes in memory
 * are the big-endian port followed by two zero bytes (12141 -> 2f 6d 00 00).
 */
#ifndef GWAPI_LB_ABI_H
#define GWAPI_LB_ABI_H

#include <linux/types.h>

/* Pinned names (under the pin path, by default /sys/fs/bpf/tc/globals). */
#define GWAPI_LB4_SERVICES_MAP "cilium_lb4_services_v2"
#define GWAPI_LB4_BACKENDS_MAP "cilium_lb4_backends_v3"
#define GWAPI_LB4_REVERSE_NAT_MAP "cilium_lb4_reverse_nat"
#define GWAPI_LB6_SERVICES_MAP "cilium_lb6_services_v2"
#define GWAPI_LB6_BACKENDS_MAP "cilium_lb6_backends_v3"
#define GWAPI_LB6_REVERSE_NAT_MAP "cilium_lb6_reverse_nat"

/* Every map is BPF_MAP_TYPE_HASH with BPF_F_NO_PREALLOC. */
#define GWAPI_LB_MAP_DEFAULT_MAX_ENTRIES 65536

/* backend_slot of the master entry of a frontend. */
#define GWAPI_LB_MASTER_SLOT 0

/* Lookup scope of a services-map key. */
#define GWAPI_LB_LOOKUP_SCOPE_EXT 0
#define GWAPI_LB_LOOKUP_SCOPE_INT 1

/* gwapi_lb_service.flags (Cilium SVC_FLAG_*, first byte). */
#define GWAPI_LB_SVC_FLAG_EXTERNAL_IP 0x01
#define GWAPI_LB_SVC_FLAG_NODEPORT 0x02
#define GWAPI_LB_SVC_FLAG_EXT_LOCAL_SCOPE 0x04
#define GWAPI_LB_SVC_FLAG_HOSTPORT 0x08
#define GWAPI_LB_SVC_FLAG_AFFINITY 0x10
#define GWAPI_LB_SVC_FLAG_LOADBALANCER 0x20
#define GWAPI_LB_SVC_FLAG_ROUTABLE 0x40
#define GWAPI_LB_SVC_FLAG_SOURCE_RANGE 0x80

/* gwapi_lb_service.flags2 (Cilium SVC_FLAG_*, second byte). */
#define GWAPI_LB_SVC_FLAG2_LOCALREDIRECT 0x01
#define GWAPI_LB_SVC_FLAG2_NAT_46X64 0x02
#define GWAPI_LB_SVC_FLAG2_L7_LOADBALANCER 0x04
#define GWAPI_LB_SVC_FLAG2_LOOPBACK 0x08
#define GWAPI_LB_SVC_FLAG2_INT_LOCAL_SCOPE 0x10
#define GWAPI_LB_SVC_FLAG2_TWO_SCOPES 0x20

/* gwapi_lb4_backend.flags / gwapi_lb6_backend.flags: the backend state. */
#define GWAPI_LB_BE_STATE_ACTIVE 0
#define GWAPI_LB_BE_STATE_TERMINATING 1
#define GWAPI_LB_BE_STATE_QUARANTINED 2
#define GWAPI_LB_BE_STATE_MAINTENANCE 3

/* Cilium's union v6addr: 16 bytes, byte-aligned. */
union gwapi_lb_v6addr {
	__u8 addr[16];
	__be32 p[4];
} __attribute__((packed));

/* cilium_lb4_services_v2 key (Cilium struct lb4_key). */
struct gwapi_lb4_key {
	__be32 address;
	__be16 dport;
	__u16 backend_slot; /* 0 = master, 1..N = backend slots */
	__u8 proto;         /* 0 (any) in Cilium 1.16 */
	__u8 scope;         /* GWAPI_LB_LOOKUP_SCOPE_* */
	__u8 pad[2];
};

/* cilium_lb6_services_v2 key (Cilium struct lb6_key). */
struct gwapi_lb6_key {
	union gwapi_lb_v6addr address;
	__be16 dport;
	__u16 backend_slot;
	__u8 proto;
	__u8 scope;
	__u8 pad[2];
};

/*
 * Value of both services maps (Cilium struct lb4_service / lb6_service).
 * Slot entries carry backend_id and rev_nat_index only; the master carries
 * count (active slots), rev_nat_index, flags and either the affinity timeout
 * or the L7 proxy port.
 */
struct gwapi_lb_service {
	union {
		__u32 backend_id;       /* slot > 0, host order */
		__u32 affinity_timeout; /* master with SVC_FLAG_AFFINITY */
		__u32 l7_lb_proxy_port; /* master with FLAG2_L7_LOADBALANCER: htons(port) */
	};
	__u16 count;
	__be16 rev_nat_index;
	__u8 flags;
	__u8 flags2;
	__u16 qcount; /* quarantined slots; always 0 here */
};

/* cilium_lb4_backends_v3 value (key: __u32 backend ID, host order, never 0). */
struct gwapi_lb4_backend {
	__be32 address;
	__be16 port;
	__u8 proto;  /* 0 (any) in Cilium 1.16 */
	__u8 flags;  /* GWAPI_LB_BE_STATE_* */
	__u16 cluster_id;
	__u8 zone;
	__u8 pad;
};

/* cilium_lb6_backends_v3 value. */
struct gwapi_lb6_backend {
	union gwapi_lb_v6addr address;
	__be16 port;
	__u8 proto;
	__u8 flags;
	__u16 cluster_id;
	__u8 zone;
	__u8 pad;
};

/* cilium_lb4_reverse_nat value; the key is the __be16 rev_nat_index. */
struct gwapi_lb4_reverse_nat {
	__be32 address;
	__be16 port;
} __attribute__((packed));

/* cilium_lb6_reverse_nat value. */
struct gwapi_lb6_reverse_nat {
	union gwapi_lb_v6addr address;
	__be16 port;
} __attribute__((packed));

typedef __u32 gwapi_lb_backend_key;     /* backends maps key */
typedef __be16 gwapi_lb_reverse_nat_key; /* reverse-NAT maps key */

#ifdef __cplusplus
#define GWAPI_LB_STATIC_ASSERT(cond, msg) static_assert(cond, msg)
#else
#define GWAPI_LB_STATIC_ASSERT(cond, msg) _Static_assert(cond, msg)
#endif

#define GWAPI_LB_ASSERT_SIZE(type, size) \
	GWAPI_LB_STATIC_ASSERT(sizeof(type) == (size), #type " size")
#define GWAPI_LB_ASSERT_OFFSET(type, field, off)                      \
	GWAPI_LB_STATIC_ASSERT(__builtin_offsetof(type, field) == (off), \
			       #type "." #field " offset")

GWAPI_LB_ASSERT_SIZE(union gwapi_lb_v6addr, 16);

GWAPI_LB_ASSERT_SIZE(struct gwapi_lb4_key, 12);
GWAPI_LB_ASSERT_OFFSET(struct gwapi_lb4_key, address, 0);
GWAPI_LB_ASSERT_OFFSET(struct gwapi_lb4_key, dport, 4);
GWAPI_LB_ASSERT_OFFSET(struct gwapi_lb4_key, backend_slot, 6);
GWAPI_LB_ASSERT_OFFSET(struct gwapi_lb4_key, proto, 8);
GWAPI_LB_ASSERT_OFFSET(struct gwapi_lb4_key, scope, 9);
GWAPI_LB_ASSERT_OFFSET(struct gwapi_lb4_key, pad, 10);

GWAPI_LB_ASSERT_SIZE(struct gwapi_lb6_key, 24);
GWAPI_LB_ASSERT_OFFSET(struct gwapi_lb6_key, address, 0);
GWAPI_LB_ASSERT_OFFSET(struct gwapi_lb6_key, dport, 16);
GWAPI_LB_ASSERT_OFFSET(struct gwapi_lb6_key, backend_slot, 18);
GWAPI_LB_ASSERT_OFFSET(struct gwapi_lb6_key, proto, 20);
GWAPI_LB_ASSERT_OFFSET(struct gwapi_lb6_key, scope, 21);
GWAPI_LB_ASSERT_OFFSET(struct gwapi_lb6_key, pad, 22);

GWAPI_LB_ASSERT_SIZE(struct gwapi_lb_service, 12);
GWAPI_LB_ASSERT_OFFSET(struct gwapi_lb_service, backend_id, 0);
GWAPI_LB_ASSERT_OFFSET(struct gwapi_lb_service, affinity_timeout, 0);
GWAPI_LB_ASSERT_OFFSET(struct gwapi_lb_service, l7_lb_proxy_port, 0);
GWAPI_LB_ASSERT_OFFSET(struct gwapi_lb_service, count, 4);
GWAPI_LB_ASSERT_OFFSET(struct gwapi_lb_service, rev_nat_index, 6);
GWAPI_LB_ASSERT_OFFSET(struct gwapi_lb_service, flags, 8);
GWAPI_LB_ASSERT_OFFSET(struct gwapi_lb_service, flags2, 9);
GWAPI_LB_ASSERT_OFFSET(struct gwapi_lb_service, qcount, 10);

GWAPI_LB_ASSERT_SIZE(struct gwapi_lb4_backend, 12);
GWAPI_LB_ASSERT_OFFSET(struct gwapi_lb4_backend, address, 0);
GWAPI_LB_ASSERT_OFFSET(struct gwapi_lb4_backend, port, 4);
GWAPI_LB_ASSERT_OFFSET(struct gwapi_lb4_backend, proto, 6);
GWAPI_LB_ASSERT_OFFSET(struct gwapi_lb4_backend, flags, 7);
GWAPI_LB_ASSERT_OFFSET(struct gwapi_lb4_backend, cluster_id, 8);
GWAPI_LB_ASSERT_OFFSET(struct gwapi_lb4_backend, zone, 10);
GWAPI_LB_ASSERT_OFFSET(struct gwapi_lb4_backend, pad, 11);

GWAPI_LB_ASSERT_SIZE(struct gwapi_lb6_backend, 24);
GWAPI_LB_ASSERT_OFFSET(struct gwapi_lb6_backend, address, 0);
GWAPI_LB_ASSERT_OFFSET(struct gwapi_lb6_backend, port, 16);
GWAPI_LB_ASSERT_OFFSET(struct gwapi_lb6_backend, proto, 18);
GWAPI_LB_ASSERT_OFFSET(struct gwapi_lb6_backend, flags, 19);
GWAPI_LB_ASSERT_OFFSET(struct gwapi_lb6_backend, cluster_id, 20);
GWAPI_LB_ASSERT_OFFSET(struct gwapi_lb6_backend, zone, 22);
GWAPI_LB_ASSERT_OFFSET(struct gwapi_lb6_backend, pad, 23);

GWAPI_LB_ASSERT_SIZE(struct gwapi_lb4_reverse_nat, 6);
GWAPI_LB_ASSERT_OFFSET(struct gwapi_lb4_reverse_nat, address, 0);
GWAPI_LB_ASSERT_OFFSET(struct gwapi_lb4_reverse_nat, port, 4);

GWAPI_LB_ASSERT_SIZE(struct gwapi_lb6_reverse_nat, 18);
GWAPI_LB_ASSERT_OFFSET(struct gwapi_lb6_reverse_nat, address, 0);
GWAPI_LB_ASSERT_OFFSET(struct gwapi_lb6_reverse_nat, port, 16);

GWAPI_LB_ASSERT_SIZE(gwapi_lb_backend_key, 4);
GWAPI_LB_ASSERT_SIZE(gwapi_lb_reverse_nat_key, 2);

#endif /* GWAPI_LB_ABI_H */
