#include <stdlib.h>
#include <string.h>

#include "common/err.h"
#include "dhcp/dhcp_lease.h"

static uint32_t mix32(uint32_t x)
{
	x ^= x >> 16;
	x *= 0x7feb352dU;
	x ^= x >> 15;
	x *= 0x846ca68bU;
	x ^= x >> 16;
	return x;
}

static uint32_t hash_bytes(const uint8_t *p, size_t n)
{
	uint32_t h = 2166136261u;
	size_t i;

	for (i = 0; i < n; i++)
		h = (h ^ p[i]) * 16777619u;
	return mix32(h);
}

static uint32_t key_hash(bool by_cid, const struct bb_client_key *k)
{
	/* never 0: a record with chash 0 has no owner */
	return (by_cid && k->cid_len
		    ? hash_bytes(k->cid, k->cid_len) ^ 0x5bd1e995u
		    : hash_bytes(k->mac, 6)) |
	       1;
}

static bool owned(bool by_cid, const struct bb_lease_rec *r,
		  const struct bb_client_key *k)
{
	if (by_cid && (k->cid_len || r->l.client_id_len))
		return k->cid_len == r->l.client_id_len &&
		       !memcmp(k->cid, r->l.client_id, k->cid_len);
	return !memcmp(k->mac, r->l.mac, 6);
}

bool bb_lease_owned_by(const struct bb_lease_table *t,
		       const struct bb_lease_rec *r,
		       const struct bb_client_key *k)
{
	return owned(t->by_cid, r, k);
}

bool bb_lease_active(const struct bb_lease_rec *r, int64_t now)
{
	return r->l.state != BB_LEASE_FREE && r->l.expires > now;
}

void bb_lease_table_free(struct bb_lease_table *t)
{
	free(t->v);
	free(t->ipmap);
	free(t->cmap);
	memset(t, 0, sizeof(*t));
}

struct bb_lease_rec *bb_lease_by_ip(const struct bb_lease_table *t, uint32_t ip)
{
	size_t mask = t->ipcap - 1, i;

	if (!t->ipcap)
		return NULL;
	for (i = mix32(ip) & mask; t->ipmap[i]; i = (i + 1) & mask)
		if ((uint32_t)(t->ipmap[i] >> 32) == ip)
			return &t->v[(uint32_t)t->ipmap[i] - 1];
	return NULL;
}

static uint64_t slot(uint32_t key, uint32_t idx)
{
	return (uint64_t)key << 32 | (idx + 1);
}

static void ip_insert(uint64_t *map, size_t cap, const struct bb_lease_rec *v,
		      uint32_t idx)
{
	size_t mask = cap - 1, i;

	for (i = mix32(v[idx].l.ip) & mask; map[i]; i = (i + 1) & mask)
		;
	map[i] = slot(v[idx].l.ip, idx);
}

static int grow_ipmap(struct bb_lease_table *t)
{
	size_t cap = t->ipcap ? t->ipcap * 2 : 1024, i;
	uint64_t *m = calloc(cap, sizeof(*m));

	if (!m)
		return BB_ENOMEM;
	for (i = 0; i < t->n; i++)
		ip_insert(m, cap, t->v, (uint32_t)i);
	free(t->ipmap);
	t->ipmap = m;
	t->ipcap = cap;
	return 0;
}

struct bb_lease_rec *bb_lease_by_client(const struct bb_lease_table *t,
					const struct bb_client_key *k)
{
	size_t mask = t->ccap - 1, i;
	uint32_t h = key_hash(t->by_cid, k);

	if (!t->ccap)
		return NULL;
	for (i = h & mask; t->cmap[i]; i = (i + 1) & mask) {
		struct bb_lease_rec *r = &t->v[(uint32_t)t->cmap[i] - 1];

		if ((uint32_t)(t->cmap[i] >> 32) == h && owned(t->by_cid, r, k))
			return r;
	}
	return NULL;
}

/* Points the client's slot at idx (replacing its earlier record). */
static void c_insert(bool by_cid, uint64_t *map, size_t cap,
		     struct bb_lease_rec *v, uint32_t idx, size_t *used)
{
	size_t mask = cap - 1, i;
	struct bb_client_key k = {v[idx].l.mac, v[idx].l.client_id,
				  v[idx].l.client_id_len};

	for (i = v[idx].chash & mask; map[i]; i = (i + 1) & mask) {
		struct bb_lease_rec *r = &v[(uint32_t)map[i] - 1];

		if ((uint32_t)(map[i] >> 32) == v[idx].chash &&
		    owned(by_cid, r, &k)) {
			/* the client's current record is its latest one */
			if (v[idx].l.updated >= r->l.updated)
				map[i] = slot(v[idx].chash, idx);
			return;
		}
	}
	map[i] = slot(v[idx].chash, idx);
	(*used)++;
}

/* A map four times the records that have an owner: entries of clients
 * whose records were taken over are dropped here, so clients that come and
 * go (a flood of random chaddrs) cannot grow it past the address count. */
static int rebuild_cmap(struct bb_lease_table *t, bool by_cid)
{
	size_t i, used = 0, owners = 0, cap = 1024;
	uint64_t *m;

	for (i = 0; i < t->n; i++)
		owners += t->v[i].chash != 0;
	while (cap < 4 * (owners + 1))
		cap *= 2;
	if (!(m = calloc(cap, sizeof(*m))))
		return BB_ENOMEM;
	/* only records that have an owner; c_insert keeps each client's
	 * latest */
	for (i = 0; i < t->n; i++) {
		struct bb_lease_rec *r = &t->v[i];
		struct bb_client_key k = {r->l.mac, r->l.client_id,
					  r->l.client_id_len};

		if (!r->chash)
			continue;
		r->chash = key_hash(by_cid, &k);
		c_insert(by_cid, m, cap, t->v, (uint32_t)i, &used);
	}
	free(t->cmap);
	t->cmap = m;
	t->ccap = cap;
	t->cused = used;
	t->by_cid = by_cid;
	return 0;
}

int bb_lease_set_by_cid(struct bb_lease_table *t, bool by_cid)
{
	if (t->by_cid == by_cid)
		return 0;
	return rebuild_cmap(t, by_cid);
}

struct bb_lease_rec *bb_lease_get(struct bb_lease_table *t, uint32_t ip)
{
	struct bb_lease_rec *r = bb_lease_by_ip(t, ip);

	if (r)
		return r;
	if (t->n == t->cap) {
		size_t cap = t->cap ? t->cap * 2 : 256;
		struct bb_lease_rec *v = realloc(t->v, cap * sizeof(*v));

		if (!v)
			return NULL;
		t->v = v;
		t->cap = cap;
	}
	if ((t->n + 1) * 2 > t->ipcap && grow_ipmap(t))
		return NULL;
	r = &t->v[t->n];
	memset(r, 0, sizeof(*r));
	r->l.ip = ip;
	ip_insert(t->ipmap, t->ipcap, t->v, (uint32_t)t->n);
	t->n++;
	return r;
}

int bb_lease_set_owner(struct bb_lease_table *t, struct bb_lease_rec *r,
		       const struct bb_client_key *k)
{
	size_t cid = k->cid_len > sizeof(r->l.client_id)
			 ? sizeof(r->l.client_id)
			 : k->cid_len;

	memcpy(r->l.mac, k->mac, 6);
	r->l.client_id_len = (uint8_t)cid;
	if (cid)
		memcpy(r->l.client_id, k->cid, cid);
	r->chash = key_hash(t->by_cid, k);
	if ((t->cused + 1) * 2 > t->ccap && rebuild_cmap(t, t->by_cid))
		return BB_ENOMEM;
	c_insert(t->by_cid, t->cmap, t->ccap, t->v, (uint32_t)(r - t->v),
		 &t->cused);
	return 0;
}
