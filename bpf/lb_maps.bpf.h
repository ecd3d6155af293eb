/* SPDX-License-Identifier: (GPL-2.0-only OR BSD-2-Clause) */
/*
 * The Cilium-compatible LB maps as the datapath programs declare them. The
 * loader replaces each with the map pinned by the writer (bpf_map__reuse_fd)
 * before load, so type, sizes and max_entries here are only what the
 * verifier sees until then; they match what lib/lb creates by default.
 */
#ifndef GWAPI_LB_MAPS_BPF_H
#define GWAPI_LB_MAPS_BPF_H

#include <linux/bpf.h>
#include <bpf/bpf_helpers.h>

#include "gwapi/lb_abi.h"
#include "gwapi/lb_datapath.h"

struct {
	__uint(type, BPF_MAP_TYPE_HASH);
	__type(key, struct gwapi_lb4_key);
	__type(value, struct gwapi_lb_service);
	__uint(max_entries, GWAPI_LB_MAP_DEFAULT_MAX_ENTRIES);
	__uint(map_flags, BPF_F_NO_PREALLOC);
} lb4_services SEC(".maps");

struct {
	__uint(type, BPF_MAP_TYPE_HASH);
	__type(key, gwapi_lb_backend_key);
	__type(value, struct gwapi_lb4_backend);
	__uint(max_entries, GWAPI_LB_MAP_DEFAULT_MAX_ENTRIES);
	__uint(map_flags, BPF_F_NO_PREALLOC);
} lb4_backends SEC(".maps");

struct {
	__uint(type, BPF_MAP_TYPE_HASH);
	__type(key, gwapi_lb_reverse_nat_key);
	__type(value, struct gwapi_lb4_reverse_nat);
	__uint(max_entries, GWAPI_LB_MAP_DEFAULT_MAX_ENTRIES);
	__uint(map_flags, BPF_F_NO_PREALLOC);
} lb4_revnat SEC(".maps");

struct {
	__uint(type, BPF_MAP_TYPE_HASH);
	__type(key, struct gwapi_lb6_key);
	__type(value, struct gwapi_lb_service);
	__uint(max_entries, GWAPI_LB_MAP_DEFAULT_MAX_ENTRIES);
	__uint(map_flags, BPF_F_NO_PREALLOC);
} lb6_services SEC(".maps");

struct {
	__uint(type, BPF_MAP_TYPE_HASH);
	__type(key, gwapi_lb_backend_key);
	__type(value, struct gwapi_lb6_backend);
	__uint(max_entries, GWAPI_LB_MAP_DEFAULT_MAX_ENTRIES);
	__uint(map_flags, BPF_F_NO_PREALLOC);
} lb6_backends SEC(".maps");

struct {
	__uint(type, BPF_MAP_TYPE_HASH);
	__type(key, gwapi_lb_reverse_nat_key);
	__type(value, struct gwapi_lb6_reverse_nat);
	__uint(max_entries, GWAPI_LB_MAP_DEFAULT_MAX_ENTRIES);
	__uint(map_flags, BPF_F_NO_PREALLOC);
} lb6_revnat SEC(".maps");

/* murmur3's 32-bit finaliser: spreads sequential inputs (cookies, ports). */
static __always_inline __u32 gwapi_mix32(__u32 h)
{
	h ^= h >> 16;
	h *= 0x85ebca6b;
	h ^= h >> 13;
	h *= 0xc2b2ae35;
	h ^= h >> 16;
	return h;
}

/*
 * The backend in slot hash % count + 1 of a frontend whose master entry
 * has count > 0, from one family's maps: `key` is that family's services
 * key (gwapi_lb4_key or gwapi_lb6_key) and `key_slot` its backend_slot.
 * Sets *backend_id from the slot; NULL when the slot or the backend is
 * missing. Always inlined, so every lookup names one map, as the verifier
 * needs.
 */
static __always_inline void *gwapi_lb_pick_backend(void *services,
						   void *backends, void *key,
						   __u16 *key_slot, __u16 count,
						   __u32 hash,
						   __u32 *backend_id)
{
	struct gwapi_lb_service *slot;

	*key_slot = hash % count + 1;
	slot = bpf_map_lookup_elem(services, key);
	if (!slot)
		return NULL;
	*backend_id = slot->backend_id;
	return bpf_map_lookup_elem(backends, backend_id);
}

#endif /* GWAPI_LB_MAPS_BPF_H */
