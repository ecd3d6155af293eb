// SPDX-License-Identifier: (GPL-2.0-only OR BSD-2-Clause)
/*
 * Socket load balancing. Attached to a cgroup, these programs translate a
 * connect()/sendmsg() to a frontend (ClusterIP or L4 Gateway address) into
 * the address of one of its backends, before any packet exists, and
 * translate the peer back on recvmsg()/getpeername(), so the application
 * only ever sees the frontend. A frontend with the L7 load-balancer flag is
 * sent to the local proxy port instead.
 *
 * Backend choice: slot = hash % count + 1, like Cilium's socket LB. A TCP
 * connect() takes bpf_get_prandom_u32(): the hook runs once per connection,
 * so the socket keeps its backend for life and new connections spread
 * evenly. An unconnected UDP socket passes through sendmsg for every
 * datagram, so it hashes its socket cookie instead: every datagram of one
 * socket to one frontend goes to the same backend while the backend set is
 * unchanged, and replies can be translated back.
 *
 * No selectable backend (count == 0): refused with EHOSTUNREACH as Cilium's
 * bpf_sock does (bpf_set_retval), rather than letting the connection go to
 * a VIP nothing answers on and time out.
 *
 * The proxy listens in the node's network namespace, so L7 frontends are
 * translated only for sockets there (host_netns_cookie); a socket of
 * another namespace in the cgroup keeps the VIP, and its packets reach the
 * proxy through the tc program, as in Cilium.
 */
#include <linux/bpf.h>
#include <linux/in.h>
#include <stdbool.h>
#include <asm/errno.h>
#include <bpf/bpf_helpers.h>
#include <bpf/bpf_endian.h>

#include "gwapi/lb_abi.h"
#include "gwapi/lb_datapath.h"
#include "lb_maps.bpf.h"

#define SYS_REJECT 0
#define SYS_PROCEED 1

/*
 * Settings, written into .rodata by the loader before load.
 * proto_diff: the writer's protocol_differentiation (key.proto is the IANA
 * number instead of 0). l7_proxy_ip4/6: where the L7 proxy listens for
 * connections of local sockets; loopback by default, as Cilium's socket LB
 * does in the host namespace.
 */
const volatile __u8 proto_diff = 0;
const volatile __be32 l7_proxy_ip4 = 0;
const volatile __be32 l7_proxy_ip6[4] = {};
/* Network namespace cookie of the node; 0 translates L7 in any namespace. */
const volatile __u64 host_netns_cookie = 0;

struct {
	__uint(type, BPF_MAP_TYPE_LRU_HASH);
	__type(key, struct gwapi_revsk4_key);
	__type(value, struct gwapi_revsk4_val);
	__uint(max_entries, GWAPI_REVSK_DEFAULT_MAX_ENTRIES);
} gw_lb4_rsk_v1 SEC(".maps");

struct {
	__uint(type, BPF_MAP_TYPE_LRU_HASH);
	__type(key, struct gwapi_revsk6_key);
	__type(value, struct gwapi_revsk6_val);
	__uint(max_entries, GWAPI_REVSK_DEFAULT_MAX_ENTRIES);
} gw_lb6_rsk_v1 SEC(".maps");

static __always_inline __u32 sock_select_hash(struct bpf_sock_addr *ctx,
					      bool per_socket)
{
	__u64 cookie;

	if (!per_socket)
		return bpf_get_prandom_u32();
	cookie = bpf_get_socket_cookie(ctx);
	return gwapi_mix32((__u32)cookie ^ (__u32)(cookie >> 32));
}

static __always_inline bool sock_in_host_netns(struct bpf_sock_addr *ctx)
{
	return !host_netns_cookie ||
	       bpf_get_netns_cookie(ctx) == host_netns_cookie;
}

static __always_inline __u8 sock_key_proto(struct bpf_sock_addr *ctx)
{
	return proto_diff ? (__u8)ctx->protocol : 0;
}

/* Returns 0 when translated or not a frontend, else a negative errno. */
static __always_inline int sock4_xlate_fwd(struct bpf_sock_addr *ctx,
					   bool per_socket)
{
	struct gwapi_lb4_key key = {};
	struct gwapi_revsk4_key rkey = {};
	struct gwapi_revsk4_val rval = {}, *old;
	struct gwapi_lb_service *svc;
	struct gwapi_lb4_backend *be;
	__be32 vip = ctx->user_ip4, addr;
	__be16 vport = (__be16)ctx->user_port, port;
	__u32 backend_id;

	key.address = vip;
	key.dport = vport;
	key.proto = sock_key_proto(ctx);
	svc = bpf_map_lookup_elem(&lb4_services, &key);
	if (!svc)
		return 0;

	if (svc->flags2 & GWAPI_LB_SVC_FLAG2_L7_LOADBALANCER) {
		/* The proxy speaks TCP only; other protocols pass untouched. */
		port = (__be16)svc->l7_lb_proxy_port;
		if (ctx->protocol != IPPROTO_TCP || !port ||
		    !sock_in_host_netns(ctx))
			return 0;
		addr = l7_proxy_ip4;
	} else {
		if (!svc->count)
			return -EHOSTUNREACH;
		be = gwapi_lb_pick_backend(&lb4_services, &lb4_backends,
					   &key, &key.backend_slot, svc->count,
					   sock_select_hash(ctx, per_socket),
					   &backend_id);
		if (!be)
			return -EHOSTUNREACH;
		addr = be->address;
		port = be->port;
	}

	rkey.cookie = bpf_get_socket_cookie(ctx);
	rkey.address = addr;
	rkey.port = port;
	rval.address = vip;
	rval.port = vport;
	rval.rev_nat_index = svc->rev_nat_index;
	/* Unconnected UDP comes here per datagram: write only on change. */
	old = bpf_map_lookup_elem(&gw_lb4_rsk_v1, &rkey);
	if (!old || old->address != vip || old->port != vport ||
	    old->rev_nat_index != rval.rev_nat_index)
		bpf_map_update_elem(&gw_lb4_rsk_v1, &rkey, &rval, BPF_ANY);

	ctx->user_ip4 = addr;
	ctx->user_port = (__u32)port;
	return 0;
}

/* Restores the frontend as the peer if this socket was translated. */
static __always_inline void sock4_xlate_rev(struct bpf_sock_addr *ctx)
{
	struct gwapi_revsk4_key rkey = {};
	struct gwapi_revsk4_val *rval;
	struct gwapi_lb4_reverse_nat *rnat;
	gwapi_lb_reverse_nat_key idx;

	rkey.cookie = bpf_get_socket_cookie(ctx);
	rkey.address = ctx->user_ip4;
	rkey.port = (__be16)ctx->user_port;
	rval = bpf_map_lookup_elem(&gw_lb4_rsk_v1, &rkey);
	if (!rval)
		return;
	/*
	 * The frontend must still exist with the same address: a rev-NAT
	 * index reused by another frontend must not rename this peer.
	 */
	idx = rval->rev_nat_index;
	rnat = bpf_map_lookup_elem(&lb4_revnat, &idx);
	if (!rnat || rnat->address != rval->address ||
	    rnat->port != rval->port) {
		bpf_map_delete_elem(&gw_lb4_rsk_v1, &rkey);
		return;
	}
	ctx->user_ip4 = rval->address;
	ctx->user_port = (__u32)rval->port;
}

static __always_inline int sock_verdict(int err)
{
	if (err == -EHOSTUNREACH) {
		bpf_set_retval(err);
		return SYS_REJECT;
	}
	return SYS_PROCEED;
}

SEC("cgroup/connect4")
int gwapi_connect4(struct bpf_sock_addr *ctx)
{
	/* A connected UDP socket connects once too: per-socket is enough. */
	return sock_verdict(sock4_xlate_fwd(ctx, false));
}

SEC("cgroup/sendmsg4")
int gwapi_sendmsg4(struct bpf_sock_addr *ctx)
{
	return sock_verdict(sock4_xlate_fwd(ctx, true));
}

SEC("cgroup/recvmsg4")
int gwapi_recvmsg4(struct bpf_sock_addr *ctx)
{
	sock4_xlate_rev(ctx);
	return SYS_PROCEED;
}

SEC("cgroup/getpeername4")
int gwapi_getpeername4(struct bpf_sock_addr *ctx)
{
	sock4_xlate_rev(ctx);
	return SYS_PROCEED;
}

static __always_inline void ctx_get_ip6(struct bpf_sock_addr *ctx,
					union gwapi_lb_v6addr *a)
{
	a->p[0] = ctx->user_ip6[0];
	a->p[1] = ctx->user_ip6[1];
	a->p[2] = ctx->user_ip6[2];
	a->p[3] = ctx->user_ip6[3];
}

static __always_inline void ctx_set_ip6(struct bpf_sock_addr *ctx,
					const union gwapi_lb_v6addr *a)
{
	ctx->user_ip6[0] = a->p[0];
	ctx->user_ip6[1] = a->p[1];
	ctx->user_ip6[2] = a->p[2];
	ctx->user_ip6[3] = a->p[3];
}

static __always_inline bool ip6_eq(const union gwapi_lb_v6addr *a,
				   const union gwapi_lb_v6addr *b)
{
	return ((a->p[0] ^ b->p[0]) | (a->p[1] ^ b->p[1]) |
		(a->p[2] ^ b->p[2]) | (a->p[3] ^ b->p[3])) == 0;
}

static __always_inline int sock6_xlate_fwd(struct bpf_sock_addr *ctx,
					   bool per_socket)
{
	struct gwapi_lb6_key key = {};
	struct gwapi_revsk6_key rkey = {};
	struct gwapi_revsk6_val rval = {}, *old;
	struct gwapi_lb_service *svc;
	struct gwapi_lb6_backend *be;
	union gwapi_lb_v6addr addr;
	__be16 vport = (__be16)ctx->user_port, port;
	__u32 backend_id;

	ctx_get_ip6(ctx, &key.address);
	key.dport = vport;
	key.proto = sock_key_proto(ctx);
	svc = bpf_map_lookup_elem(&lb6_services, &key);
	if (!svc)
		return 0;

	if (svc->flags2 & GWAPI_LB_SVC_FLAG2_L7_LOADBALANCER) {
		port = (__be16)svc->l7_lb_proxy_port;
		if (ctx->protocol != IPPROTO_TCP || !port ||
		    !sock_in_host_netns(ctx))
			return 0;
		addr.p[0] = l7_proxy_ip6[0];
		addr.p[1] = l7_proxy_ip6[1];
		addr.p[2] = l7_proxy_ip6[2];
		addr.p[3] = l7_proxy_ip6[3];
	} else {
		if (!svc->count)
			return -EHOSTUNREACH;
		be = gwapi_lb_pick_backend(&lb6_services, &lb6_backends,
					   &key, &key.backend_slot, svc->count,
					   sock_select_hash(ctx, per_socket),
					   &backend_id);
		if (!be)
			return -EHOSTUNREACH;
		__builtin_memcpy(&addr, &be->address, sizeof(addr));
		port = be->port;
	}

	rkey.cookie = bpf_get_socket_cookie(ctx);
	rkey.address = addr;
	rkey.port = port;
	rval.address = key.address;
	rval.port = vport;
	rval.rev_nat_index = svc->rev_nat_index;
	old = bpf_map_lookup_elem(&gw_lb6_rsk_v1, &rkey);
	if (!old || !ip6_eq(&old->address, &rval.address) ||
	    old->port != vport || old->rev_nat_index != rval.rev_nat_index)
		bpf_map_update_elem(&gw_lb6_rsk_v1, &rkey, &rval, BPF_ANY);

	ctx_set_ip6(ctx, &addr);
	ctx->user_port = (__u32)port;
	return 0;
}

static __always_inline void sock6_xlate_rev(struct bpf_sock_addr *ctx)
{
	struct gwapi_revsk6_key rkey = {};
	struct gwapi_revsk6_val *rval;
	struct gwapi_lb6_reverse_nat *rnat;
	gwapi_lb_reverse_nat_key idx;

	rkey.cookie = bpf_get_socket_cookie(ctx);
	ctx_get_ip6(ctx, &rkey.address);
	rkey.port = (__be16)ctx->user_port;
	rval = bpf_map_lookup_elem(&gw_lb6_rsk_v1, &rkey);
	if (!rval)
		return;
	idx = rval->rev_nat_index;
	rnat = bpf_map_lookup_elem(&lb6_revnat, &idx);
	if (!rnat || !ip6_eq(&rnat->address, &rval->address) ||
	    rnat->port != rval->port) {
		bpf_map_delete_elem(&gw_lb6_rsk_v1, &rkey);
		return;
	}
	ctx_set_ip6(ctx, &rval->address);
	ctx->user_port = (__u32)rval->port;
}

SEC("cgroup/connect6")
int gwapi_connect6(struct bpf_sock_addr *ctx)
{
	return sock_verdict(sock6_xlate_fwd(ctx, false));
}

SEC("cgroup/sendmsg6")
int gwapi_sendmsg6(struct bpf_sock_addr *ctx)
{
	return sock_verdict(sock6_xlate_fwd(ctx, true));
}

SEC("cgroup/recvmsg6")
int gwapi_recvmsg6(struct bpf_sock_addr *ctx)
{
	sock6_xlate_rev(ctx);
	return SYS_PROCEED;
}

SEC("cgroup/getpeername6")
int gwapi_getpeername6(struct bpf_sock_addr *ctx)
{
	sock6_xlate_rev(ctx);
	return SYS_PROCEED;
}

char _license[] SEC("license") = "Dual BSD/GPL";
