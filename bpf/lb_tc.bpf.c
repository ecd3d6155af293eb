// SPDX-License-Identifier: (GPL-2.0-only OR BSD-2-Clause)
/*
 * tc (cls_bpf, direct-action) load balancing for traffic that arrives from
 * outside for a Gateway address. gwapi_tc_ingress runs on the node's
 * external interface ingress, gwapi_tc_egress on its egress.
 *
 * - L4 frontend (routable, no L7 flag): DNAT to a backend chosen by a hash
 *   of the flow's 5-tuple; the choice is kept in a flow table (gw_ct4_v1 /
 *   gw_ct6_v1) so the flow stays on its backend when the backend set
 *   changes, and a reverse entry lets the egress program restore the
 *   frontend as the source of the replies (via cilium_lb*_reverse_nat).
 * - L7 frontend: DNAT of the destination port to the proxy port (and of
 *   the address to l7_proxy_ip4/6 when set, else the VIP is kept and must
 *   be local), with the same reverse NAT on egress. DNAT rather than
 *   bpf_sk_assign: it needs no transparent (IP_TRANSPARENT) listener in
 *   the proxy, works for whatever address the proxy listens on, and every
 *   step is visible in the packet, so BPF_PROG_TEST_RUN checks it byte by
 *   byte (sk_assign refuses to run outside real tc ingress). The cost is
 *   that the proxy learns the VIP only when it is kept as the address.
 *
 * The hash is our own (murmur3 finaliser over the 5-tuple), not the skb's
 * flow hash: it is the same on every node and every boot, so with the same
 * slots (the writer orders them deterministically) a flow picks the same
 * backend whichever node ECMP sends it to, and tests can predict it.
 *
 * Not handled, passed unchanged: IP fragments, IPv6 extension headers,
 * protocols other than TCP and UDP, and non-routable (ClusterIP)
 * frontends, which only socket load balancing serves. A frontend with no
 * selectable backend drops the packet, as Cilium does (DROP_NO_SERVICE).
 * Replies from a backend must be routed back through this node (no SNAT).
 */
#include <stdbool.h>
#include <stddef.h>
#include <linux/bpf.h>
#include <linux/if_ether.h>
#include <linux/in.h>
#include <linux/ip.h>
#include <linux/ipv6.h>
#include <linux/pkt_cls.h>
#include <linux/tcp.h>
#include <linux/udp.h>
#include <bpf/bpf_helpers.h>
#include <bpf/bpf_endian.h>

#include "gwapi/lb_abi.h"
#include "gwapi/lb_datapath.h"
#include "lb_maps.bpf.h"

#define IP_MF 0x2000
#define IP_OFFSET 0x1fff

/*
 * Settings, written into .rodata by the loader before load. proto_diff:
 * the writer's protocol_differentiation. l7_proxy_ip4/6: the node address
 * the L7 proxy listens on; 0 keeps the frontend's address.
 */
const volatile __u8 proto_diff = 0;
const volatile __be32 l7_proxy_ip4 = 0;
const volatile __be32 l7_proxy_ip6[4] = {};

struct {
	__uint(type, BPF_MAP_TYPE_LRU_HASH);
	__type(key, struct gwapi_ct4_key);
	__type(value, struct gwapi_ct_val);
	__uint(max_entries, GWAPI_CT_DEFAULT_MAX_ENTRIES);
} gw_ct4_v1 SEC(".maps");

struct {
	__uint(type, BPF_MAP_TYPE_LRU_HASH);
	__type(key, struct gwapi_ct6_key);
	__type(value, struct gwapi_ct_val);
	__uint(max_entries, GWAPI_CT_DEFAULT_MAX_ENTRIES);
} gw_ct6_v1 SEC(".maps");

/* The parsed headers the programs need; ports in network order. */
struct flow {
	__be16 *ports; /* in the packet, bounds-checked */
	__u32 l4off;
	__u32 csum_off;
	__u8 proto;
	__be16 sport;
	__be16 dport;
};

/* Returns false for anything but a whole TCP/UDP header after l4off. */
static __always_inline bool parse_l4(struct __sk_buff *skb, struct flow *f)
{
	void *data = (void *)(long)skb->data;
	void *data_end = (void *)(long)skb->data_end;
	__be16 *ports = data + f->l4off;

	if (f->proto == IPPROTO_TCP) {
		if (data + f->l4off + sizeof(struct tcphdr) > data_end)
			return false;
		f->csum_off = f->l4off + offsetof(struct tcphdr, check);
	} else if (f->proto == IPPROTO_UDP) {
		if (data + f->l4off + sizeof(struct udphdr) > data_end)
			return false;
		f->csum_off = f->l4off + offsetof(struct udphdr, check);
	} else {
		return false;
	}
	if ((void *)(ports + 2) > data_end)
		return false;
	f->ports = ports;
	f->sport = ports[0];
	f->dport = ports[1];
	return true;
}

static __always_inline __u64 l4_csum_flags(const struct flow *f)
{
	/* A UDP checksum of 0 means none; keep it so, and never make one. */
	return f->proto == IPPROTO_UDP ? BPF_F_MARK_MANGLED_0 : 0;
}

static __always_inline __u8 key_proto(const struct flow *f)
{
	return proto_diff ? f->proto : 0;
}

/*
 * The new address and port are stored directly in the packet first (a
 * helper call would invalidate the packet pointers), then the L4 checksum
 * is fixed with bpf_l4_csum_replace, which handles CHECKSUM_PARTIAL and
 * CHECKSUM_COMPLETE skbs as the stack needs. The address (pseudo header)
 * and the port need a call each and cannot share one with a summed diff:
 * for CHECKSUM_PARTIAL the field holds the pseudo-header seed, which must
 * take the address change but not the port's (the device sums the port),
 * and for CHECKSUM_COMPLETE skb->csum must follow the address change only.
 * Values are written even when unchanged, so the benchmark's idempotent
 * packet costs what a real translation costs.
 */
static __always_inline int fix_l4_port(struct __sk_buff *skb,
				       const struct flow *f, __be16 old_port,
				       __be16 new_port)
{
	return bpf_l4_csum_replace(skb, f->csum_off, old_port, new_port,
				   l4_csum_flags(f) | sizeof(new_port));
}

/*
 * The IPv4 header checksum after a 32-bit field of the header changed from
 * `from` to `to`: RFC 1624 eqn. 3, HC' = ~(~HC + ~m + m'), over the two
 * 16-bit halves. Byte order does not matter to a ones' complement sum, so
 * the network-order values are summed as they are.
 *
 * Inline rather than bpf_l3_csum_replace, which costs a helper call and a
 * writability check: the header checksum is never offloaded (no
 * CHECKSUM_PARTIAL state covers it), and since the address and the
 * checksum change together the ones' complement sum of the header stays
 * the same, so a CHECKSUM_COMPLETE skb->csum needs no update either.
 */
static __always_inline __u16 ip_csum_replace4(__u16 check, __be32 from,
					      __be32 to)
{
	__u32 nfrom = ~from;
	__u32 sum = (__u16)~check;

	sum += (nfrom & 0xffff) + (nfrom >> 16);
	sum += (to & 0xffff) + (to >> 16);
	sum = (sum & 0xffff) + (sum >> 16);
	sum = (sum & 0xffff) + (sum >> 16);
	return ~sum;
}

/*
 * Rewrites the IPv4 destination (dst) or source address and port. `ip` and
 * f->ports are the pointers the parser checked; map helpers in between do
 * not move the packet, so they need no second bounds check.
 */
static __always_inline int nat4(struct __sk_buff *skb, struct iphdr *ip,
				const struct flow *f, bool dst,
				__be32 new_addr, __be16 new_port)
{
	__be16 *ports = f->ports, old_port;
	__be32 old_addr;

	if (dst) {
		old_addr = ip->daddr;
		ip->daddr = new_addr;
		old_port = ports[1];
		ports[1] = new_port;
	} else {
		old_addr = ip->saddr;
		ip->saddr = new_addr;
		old_port = ports[0];
		ports[0] = new_port;
	}
	ip->check = ip_csum_replace4(ip->check, old_addr, new_addr);
	if (bpf_l4_csum_replace(skb, f->csum_off, old_addr, new_addr,
				l4_csum_flags(f) | BPF_F_PSEUDO_HDR |
					sizeof(new_addr)) < 0)
		return -1;
	return fix_l4_port(skb, f, old_port, new_port);
}

/*
 * Records `ct`, the key of a new flow's replies, as a reverse entry of the
 * frontend in ctv, unless it already is one. ct_map: the family's flow
 * table (gw_ct4_v1 or gw_ct6_v1).
 */
static __always_inline void ct_put_rev(void *ct_map, const void *ct,
				       struct gwapi_ct_val *ctv)
{
	struct gwapi_ct_val *cur = bpf_map_lookup_elem(ct_map, ct);

	if (!cur || cur->rev_nat_index != ctv->rev_nat_index) {
		ctv->backend_id = 0;
		bpf_map_update_elem(ct_map, ct, ctv, BPF_ANY);
	}
}

/*
 * The reverse-NAT entry (the frontend) of a reply whose flow-table key is
 * `ct`, or NULL when the packet is no reply of a translated flow.
 * ct_map, revnat: one family's flow table and reverse-NAT map.
 */
static __always_inline void *ct_rev_nat(void *ct_map, void *revnat,
					const void *ct)
{
	struct gwapi_ct_val *cur = bpf_map_lookup_elem(ct_map, ct);
	gwapi_lb_reverse_nat_key idx;

	if (!cur)
		return NULL;
	idx = cur->rev_nat_index;
	return bpf_map_lookup_elem(revnat, &idx);
}

static __always_inline __u32 flow_hash4(__be32 saddr, __be32 daddr,
					const struct flow *f)
{
	__u32 ports = ((__u32)f->sport << 16) | f->dport;

	return gwapi_mix32(saddr ^
			   gwapi_mix32(daddr ^ gwapi_mix32(ports ^ f->proto)));
}

static __always_inline int ingress4(struct __sk_buff *skb)
{
	void *data = (void *)(long)skb->data;
	void *data_end = (void *)(long)skb->data_end;
	struct iphdr *ip = data + ETH_HLEN;
	struct gwapi_lb4_key key = {};
	struct gwapi_ct4_key ct = {};
	struct gwapi_ct_val ctv = {}, *cur = NULL;
	struct gwapi_lb_service *svc;
	struct gwapi_lb4_backend *be = NULL;
	struct flow f = {};
	__be32 saddr, daddr, new_addr;
	__be16 new_port;
	__u32 backend_id;

	if ((void *)(ip + 1) > data_end)
		return TC_ACT_OK;
	if (ip->ihl < 5 || (ip->frag_off & bpf_htons(IP_MF | IP_OFFSET)))
		return TC_ACT_OK;
	f.proto = ip->protocol;
	f.l4off = ETH_HLEN + ip->ihl * 4;
	saddr = ip->saddr;
	daddr = ip->daddr;
	if (!parse_l4(skb, &f))
		return TC_ACT_OK;

	key.address = daddr;
	key.dport = f.dport;
	key.proto = key_proto(&f);
	svc = bpf_map_lookup_elem(&lb4_services, &key);
	if (!svc || !(svc->flags & GWAPI_LB_SVC_FLAG_ROUTABLE))
		return TC_ACT_OK;

	ct.saddr = saddr;
	ct.daddr = daddr;
	ct.sport = f.sport;
	ct.dport = f.dport;
	ct.proto = f.proto;
	ct.dir = GWAPI_CT_DIR_FWD;
	ctv.rev_nat_index = svc->rev_nat_index;

	if (svc->flags2 & GWAPI_LB_SVC_FLAG2_L7_LOADBALANCER) {
		new_port = (__be16)svc->l7_lb_proxy_port;
		if (f.proto != IPPROTO_TCP || !new_port)
			return TC_ACT_OK;
		new_addr = l7_proxy_ip4 ? l7_proxy_ip4 : daddr;
	} else {
		cur = bpf_map_lookup_elem(&gw_ct4_v1, &ct);
		if (cur) {
			/* Established: stay on the backend while it exists. */
			backend_id = cur->backend_id;
			be = bpf_map_lookup_elem(&lb4_backends, &backend_id);
		}
		if (!be) {
			if (!svc->count)
				return TC_ACT_SHOT;
			be = gwapi_lb_pick_backend(
				&lb4_services, &lb4_backends, &key,
				&key.backend_slot, svc->count,
				flow_hash4(saddr, daddr, &f), &backend_id);
			if (!be)
				return TC_ACT_SHOT;
			ctv.backend_id = backend_id;
			bpf_map_update_elem(&gw_ct4_v1, &ct, &ctv, BPF_ANY);
			cur = NULL;
		}
		new_addr = be->address;
		new_port = be->port;
	}

	/* The reply's key: from the new destination back to the client. */
	if (!cur) {
		ct.saddr = new_addr;
		ct.daddr = saddr;
		ct.sport = new_port;
		ct.dport = f.sport;
		ct.dir = GWAPI_CT_DIR_REV;
		ct_put_rev(&gw_ct4_v1, &ct, &ctv);
	}

	if (nat4(skb, ip, &f, true, new_addr, new_port) < 0)
		return TC_ACT_SHOT;
	return TC_ACT_OK;
}

static __always_inline int egress4(struct __sk_buff *skb)
{
	void *data = (void *)(long)skb->data;
	void *data_end = (void *)(long)skb->data_end;
	struct iphdr *ip = data + ETH_HLEN;
	struct gwapi_ct4_key ct = {};
	struct gwapi_lb4_reverse_nat *rnat;
	struct flow f = {};
	__be32 saddr;

	if ((void *)(ip + 1) > data_end)
		return TC_ACT_OK;
	if (ip->ihl < 5 || (ip->frag_off & bpf_htons(IP_MF | IP_OFFSET)))
		return TC_ACT_OK;
	f.proto = ip->protocol;
	f.l4off = ETH_HLEN + ip->ihl * 4;
	saddr = ip->saddr;
	ct.saddr = saddr;
	ct.daddr = ip->daddr;
	if (!parse_l4(skb, &f))
		return TC_ACT_OK;
	ct.sport = f.sport;
	ct.dport = f.dport;
	ct.proto = f.proto;
	ct.dir = GWAPI_CT_DIR_REV;
	rnat = ct_rev_nat(&gw_ct4_v1, &lb4_revnat, &ct);
	if (!rnat)
		return TC_ACT_OK;
	if (nat4(skb, ip, &f, false, rnat->address, rnat->port) < 0)
		return TC_ACT_SHOT;
	return TC_ACT_OK;
}

static __always_inline __u32 fold6(const union gwapi_lb_v6addr *a)
{
	return a->p[0] ^ a->p[1] ^ a->p[2] ^ a->p[3];
}

static __always_inline __u32 flow_hash6(const union gwapi_lb_v6addr *saddr,
					const union gwapi_lb_v6addr *daddr,
					const struct flow *f)
{
	return flow_hash4(fold6(saddr), fold6(daddr), f);
}

/* Rewrites the IPv6 destination (dst) or source address and port. */
static __always_inline int nat6(struct __sk_buff *skb, const struct flow *f,
				bool dst, const union gwapi_lb_v6addr *new_addr,
				__be16 new_port)
{
	void *data = (void *)(long)skb->data;
	void *data_end = (void *)(long)skb->data_end;
	struct ipv6hdr *ip6 = data + ETH_HLEN;
	__be16 *ports = data + ETH_HLEN + sizeof(*ip6), old_port;
	union gwapi_lb_v6addr from, to = *new_addr;
	__be32 *addr;
	__s64 diff;

	if ((void *)(ports + 2) > data_end)
		return -1;
	addr = dst ? ip6->daddr.in6_u.u6_addr32 : ip6->saddr.in6_u.u6_addr32;
	from.p[0] = addr[0];
	from.p[1] = addr[1];
	from.p[2] = addr[2];
	from.p[3] = addr[3];
	addr[0] = to.p[0];
	addr[1] = to.p[1];
	addr[2] = to.p[2];
	addr[3] = to.p[3];
	if (dst) {
		old_port = ports[1];
		ports[1] = new_port;
	} else {
		old_port = ports[0];
		ports[0] = new_port;
	}
	/* No IPv6 header checksum; only the L4 pseudo header changes. */
	diff = bpf_csum_diff(from.p, sizeof(from), to.p, sizeof(to), 0);
	if (diff < 0)
		return -1;
	if (bpf_l4_csum_replace(skb, f->csum_off, 0, diff,
				l4_csum_flags(f) | BPF_F_PSEUDO_HDR) < 0)
		return -1;
	return fix_l4_port(skb, f, old_port, new_port);
}

static __always_inline bool parse6(struct __sk_buff *skb, struct flow *f,
				   union gwapi_lb_v6addr *saddr,
				   union gwapi_lb_v6addr *daddr)
{
	void *data = (void *)(long)skb->data;
	void *data_end = (void *)(long)skb->data_end;
	struct ipv6hdr *ip6 = data + ETH_HLEN;

	if ((void *)(ip6 + 1) > data_end)
		return false;
	f->proto = ip6->nexthdr;
	f->l4off = ETH_HLEN + sizeof(*ip6);
	__builtin_memcpy(saddr, &ip6->saddr, sizeof(*saddr));
	__builtin_memcpy(daddr, &ip6->daddr, sizeof(*daddr));
	return parse_l4(skb, f);
}

static __always_inline int ingress6(struct __sk_buff *skb)
{
	struct gwapi_lb6_key key = {};
	struct gwapi_ct6_key ct = {};
	struct gwapi_ct_val ctv = {}, *cur = NULL;
	struct gwapi_lb_service *svc;
	struct gwapi_lb6_backend *be = NULL;
	union gwapi_lb_v6addr saddr, daddr, new_addr;
	struct flow f = {};
	__be16 new_port;
	__u32 backend_id;

	if (!parse6(skb, &f, &saddr, &daddr))
		return TC_ACT_OK;

	key.address = daddr;
	key.dport = f.dport;
	key.proto = key_proto(&f);
	svc = bpf_map_lookup_elem(&lb6_services, &key);
	if (!svc || !(svc->flags & GWAPI_LB_SVC_FLAG_ROUTABLE))
		return TC_ACT_OK;

	ct.saddr = saddr;
	ct.daddr = daddr;
	ct.sport = f.sport;
	ct.dport = f.dport;
	ct.proto = f.proto;
	ct.dir = GWAPI_CT_DIR_FWD;
	ctv.rev_nat_index = svc->rev_nat_index;

	if (svc->flags2 & GWAPI_LB_SVC_FLAG2_L7_LOADBALANCER) {
		new_port = (__be16)svc->l7_lb_proxy_port;
		if (f.proto != IPPROTO_TCP || !new_port)
			return TC_ACT_OK;
		if (l7_proxy_ip6[0] | l7_proxy_ip6[1] | l7_proxy_ip6[2] |
		    l7_proxy_ip6[3]) {
			new_addr.p[0] = l7_proxy_ip6[0];
			new_addr.p[1] = l7_proxy_ip6[1];
			new_addr.p[2] = l7_proxy_ip6[2];
			new_addr.p[3] = l7_proxy_ip6[3];
		} else {
			new_addr = daddr;
		}
	} else {
		cur = bpf_map_lookup_elem(&gw_ct6_v1, &ct);
		if (cur) {
			backend_id = cur->backend_id;
			be = bpf_map_lookup_elem(&lb6_backends, &backend_id);
		}
		if (!be) {
			if (!svc->count)
				return TC_ACT_SHOT;
			be = gwapi_lb_pick_backend(
				&lb6_services, &lb6_backends, &key,
				&key.backend_slot, svc->count,
				flow_hash6(&saddr, &daddr, &f), &backend_id);
			if (!be)
				return TC_ACT_SHOT;
			ctv.backend_id = backend_id;
			bpf_map_update_elem(&gw_ct6_v1, &ct, &ctv, BPF_ANY);
			cur = NULL;
		}
		__builtin_memcpy(&new_addr, &be->address, sizeof(new_addr));
		new_port = be->port;
	}

	if (!cur) {
		ct.saddr = new_addr;
		ct.daddr = saddr;
		ct.sport = new_port;
		ct.dport = f.sport;
		ct.dir = GWAPI_CT_DIR_REV;
		ct_put_rev(&gw_ct6_v1, &ct, &ctv);
	}

	if (nat6(skb, &f, true, &new_addr, new_port) < 0)
		return TC_ACT_SHOT;
	return TC_ACT_OK;
}

static __always_inline int egress6(struct __sk_buff *skb)
{
	struct gwapi_ct6_key ct = {};
	struct gwapi_lb6_reverse_nat *rnat;
	union gwapi_lb_v6addr saddr, daddr, to;
	struct flow f = {};

	if (!parse6(skb, &f, &saddr, &daddr))
		return TC_ACT_OK;
	ct.saddr = saddr;
	ct.daddr = daddr;
	ct.sport = f.sport;
	ct.dport = f.dport;
	ct.proto = f.proto;
	ct.dir = GWAPI_CT_DIR_REV;
	rnat = ct_rev_nat(&gw_ct6_v1, &lb6_revnat, &ct);
	if (!rnat)
		return TC_ACT_OK;
	__builtin_memcpy(&to, &rnat->address, sizeof(to));
	if (nat6(skb, &f, false, &to, rnat->port) < 0)
		return TC_ACT_SHOT;
	return TC_ACT_OK;
}

SEC("tc")
int gwapi_tc_ingress(struct __sk_buff *skb)
{
	if (skb->protocol == bpf_htons(ETH_P_IP))
		return ingress4(skb);
	if (skb->protocol == bpf_htons(ETH_P_IPV6))
		return ingress6(skb);
	return TC_ACT_OK;
}

SEC("tc")
int gwapi_tc_egress(struct __sk_buff *skb)
{
	if (skb->protocol == bpf_htons(ETH_P_IP))
		return egress4(skb);
	if (skb->protocol == bpf_htons(ETH_P_IPV6))
		return egress6(skb);
	return TC_ACT_OK;
}

char _license[] SEC("license") = "Dual BSD/GPL";
